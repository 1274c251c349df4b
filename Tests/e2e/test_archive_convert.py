"""End-to-end test of 上传转换 in 影像数据管理 (#/archive/convert, DCM-08): photos, scanned forms and PDF reports
converted into DICOM. A study of 张三 is found with the finder and picked, a PNG and a small PDF made here are added
through the file input (a text file is refused on the spot), uploaded, and both come back converted; QIDO-RS then
shows the study with a new OT series and a DOC series. A new patient without a name is stopped under the name input;
with the name, the upload makes a new study, and 继续上传 goes on into it.

Needs a running Yunying server loaded with demo data, like the other browser tests (Tests/e2e/run.sh starts one):
  YUNYING_E2E_URL, YUNYING_E2E_ADMIN_PASSWORD, YUNYING_E2E_DEMO_PASSWORD, YUNYING_DICOM_PORT, YUNYING_AE_TITLE
                               as for test_archive_pages.py
The study is sent with DCMTK's storescu from Tests/interop/synthetic.py (pydicom, numpy); the PNG is drawn with
Pillow. The demo user `head` (科室主任, archive.manage and study.view) does the uploads in the browser.
Screenshots: Tests/e2e/artifacts/60-archive-convert-found.png, 61-archive-convert-files.png,
62-archive-convert-result.png, 63-archive-convert-new-patient-error.png, 64-archive-convert-new-patient-done.png.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import BASE_URL, TIMEOUT, css_testid, wait_visible, wait_table_idle, wait_text, within, screenshot, go, needs_server
from test_archive_pages import sign_in_as_head

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

pydicom = pytest.importorskip("pydicom")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")

pytestmark = needs_server

PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""


def send_study():
    """The synthetic CT study of 张三 (and the MR one) over DICOM with storescu; returns the CT study's UID."""
    storescu = shutil.which("storescu") or "/usr/bin/storescu"
    if not os.path.exists(storescu):
        pytest.fail("storescu (DCMTK) is needed to send studies: apt-get install dcmtk")
    synthetic = pytest.importorskip("synthetic")
    with tempfile.TemporaryDirectory() as folder:
        files = [str(p) for p in synthetic.make(folder, ct_slices=2, mr_slices=1)]
        ct = next(pydicom.dcmread(f, stop_before_pixels=True) for f in files if pydicom.dcmread(f, stop_before_pixels=True).Modality == "CT")
        port = os.environ.get("YUNYING_DICOM_PORT", "11112")
        aet = os.environ.get("YUNYING_AE_TITLE", "YUNYING")
        done = subprocess.run([storescu, "-aet", "E2ESCU", "-aec", aet, "127.0.0.1", port, *files], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, TCP_NODELAY="1"))
        assert done.returncode == 0, done.stdout + done.stderr
        return str(ct.StudyInstanceUID)


def make_files(folder):
    """A wound photo (PNG), a consent form (PDF) and a file the page refuses (TXT)."""
    png = Path(folder) / "伤口照片.png"
    img = Image.new("RGB", (320, 240), (236, 224, 214))
    draw = ImageDraw.Draw(img)
    draw.ellipse((110, 70, 210, 170), fill=(190, 70, 60), outline=(120, 30, 30), width=4)
    draw.rectangle((10, 10, 120, 34), fill=(255, 255, 255))
    draw.text((16, 16), "Wound 2026", fill=(0, 0, 0))
    img.save(png)
    pdf = Path(folder) / "知情同意书.pdf"
    pdf.write_bytes(PDF)
    txt = Path(folder) / "说明.txt"
    txt.write_text("not an image")
    return str(png), str(pdf), str(txt)


def api_session(d):
    """The browser's session over requests (GET only, no CSRF token needed)."""
    s = requests.Session()
    for c in d.get_cookies():
        s.cookies.set(c["name"], c["value"])
    return s


def series_modalities(session, study_uid):
    r = session.get(f"{BASE_URL}/dicomweb/studies/{study_uid}/series", headers={"Accept": "application/dicom+json"})
    assert r.status_code == 200, r.text
    return sorted(item["00080060"]["Value"][0] for item in r.json())


def add_files(d, *paths):
    d.find_element(By.CSS_SELECTOR, css_testid("convert-file-input")).send_keys("\n".join(paths))


def file_names(d):
    return [e.text for e in d.find_elements(By.CSS_SELECTOR, css_testid("convert-file-name"))]


def test_archive_convert(browser):
    d = browser
    study_uid = send_study()
    sign_in_as_head(d)

    # The tab is in the bar of 影像数据管理 and has its own route.
    go(d, "/archive/studies")
    tab = wait_visible(d, "archive-tab-convert")
    assert tab.text == "上传转换"
    tab.click()
    WebDriverWait(d, TIMEOUT).until(lambda drv: drv.current_url.endswith("#/archive/convert"))
    wait_visible(d, "archive-panel-convert")
    assert wait_visible(d, "convert-target-study").find_element(By.TAG_NAME, "input").is_selected()

    # Submitting with nothing chosen: the study and the files are asked for under their places.
    wait_visible(d, "convert-submit").click()
    assert wait_visible(d, "error-study").text == "请先查找并选择要归入的检查"
    assert wait_visible(d, "error-file").text == "请选择要上传的文件"

    # Find the study by a part of the Chinese name and pick it.
    wait_visible(d, "convert-search").send_keys("张")
    wait_visible(d, "convert-search-go").click()
    wait_table_idle(d, "convert-found")
    head = wait_visible(d, "convert-found").find_element(By.TAG_NAME, "thead").text
    for title in ("姓名", "患者ID", "检查号", "检查日期", "设备", "检查描述"):
        assert title in head, (title, head)
    row = WebDriverWait(d, TIMEOUT).until(lambda drv: drv.find_element(By.CSS_SELECTOR, f'{css_testid("convert-found")} tr[data-uid="{study_uid}"]'))
    assert within(row, "found-patient").text == "张三"
    assert "CT2024001" in row.text and "2024-12-20" in row.text and "CT/OT" in row.text and "胸腹部CT增强" in row.text
    screenshot(d, "60-archive-convert-found.png")
    within(row, "found-pick").click()
    picked = wait_visible(d, "convert-picked")
    assert picked.get_attribute("data-uid") == study_uid
    assert wait_visible(d, "picked-patient").text == "张三"
    assert "CT2024001" in wait_visible(d, "picked-facts").text
    assert not d.find_element(By.CSS_SELECTOR, css_testid("convert-finder")).is_displayed()
    assert not d.find_element(By.CSS_SELECTOR, css_testid("error-study")).is_displayed()

    # Descriptions and the conversion type.
    wait_visible(d, "convert-seriesDescription").send_keys("申请单与知情同意书")
    wait_visible(d, "convert-title").send_keys("知情同意书")
    types = Select(wait_visible(d, "convert-conversionType"))
    assert types.first_selected_option.text == "SI 扫描件"
    assert [o.text for o in types.options] == ["SI 扫描件", "DI 数码照片", "DF 数字化胶片", "WSD 工作站截图"]
    types.select_by_value("DI")

    with tempfile.TemporaryDirectory() as folder:
        png, pdf, txt = make_files(folder)
        # The text file is refused with a message; the picture and the PDF are listed, the picture with a preview.
        add_files(d, png, pdf, txt)
        WebDriverWait(d, TIMEOUT).until(lambda drv: len(file_names(drv)) == 2)
        assert file_names(d) == ["伤口照片.png", "知情同意书.pdf"]
        assert wait_visible(d, "convert-file-problems").text == "“说明.txt”不是支持的文件类型：仅支持 JPG、PNG、BMP 图片和 PDF 文档"
        thumbs = d.find_elements(By.CSS_SELECTOR, css_testid("convert-thumb"))
        assert len(thumbs) == 1 and thumbs[0].get_attribute("src").startswith("blob:")
        WebDriverWait(d, TIMEOUT).until(lambda drv: drv.execute_script("return arguments[0].complete && arguments[0].naturalWidth", thumbs[0]) == 320)
        assert "已选 2 个文件" in wait_visible(d, "convert-file-count").text
        # Added again: said to be in the list already, not listed twice.
        add_files(d, pdf)
        wait_text(d, "convert-file-problems", "“知情同意书.pdf”已在列表中")
        assert len(file_names(d)) == 2
        assert not d.find_element(By.CSS_SELECTOR, css_testid("error-file")).is_displayed()
        d.execute_script("arguments[0].scrollIntoView({block: 'end'});", wait_visible(d, "convert-submit"))
        screenshot(d, "61-archive-convert-files.png")

        # Upload: both converted and filed, each said on its own line.
        wait_visible(d, "convert-submit").click()
        result = wait_visible(d, "convert-result", timeout=60)
        summary = wait_visible(d, "convert-summary")
        assert summary.get_attribute("data-ok") == "2" and summary.get_attribute("data-failed") == "0", result.text
        assert "已转换并归档 2 个文件" in summary.text
        assert "张三" in wait_visible(d, "convert-where").text
        assert [e.text for e in d.find_elements(By.CSS_SELECTOR, css_testid("result-file"))] == ["伤口照片.png", "知情同意书.pdf"]
        assert [e.get_attribute("data-ok") for e in d.find_elements(By.CSS_SELECTOR, css_testid("result-state"))] == ["true", "true"]
        assert all(e.text == "已转换并归档" for e in d.find_elements(By.CSS_SELECTOR, css_testid("result-message")))
        view = wait_visible(d, "convert-view")
        assert view.get_attribute("href").endswith(f"/viewer/?study={study_uid}")
        assert view.get_attribute("target") == "_blank"
        assert not d.find_element(By.CSS_SELECTOR, css_testid("convert-form")).is_displayed()
        screenshot(d, "62-archive-convert-result.png")

        # The study now has a picture series (OT) and a document series (DOC) besides its CT images and its
        # screenshot: pictures and PDFs go up apart, so that each series has one modality.
        session = api_session(d)
        modalities = series_modalities(session, study_uid)
        assert modalities == ["CT", "DOC", "OT", "OT"], modalities
        series = session.get(f"{BASE_URL}/dicomweb/studies/{study_uid}/series").json()
        described = {s["00080060"]["Value"][0] for s in series if s.get("0008103E", {}).get("Value") == ["申请单与知情同意书"]}
        assert described == {"OT", "DOC"}, series

        # 继续上传: the same study, the list emptied.
        wait_visible(d, "convert-again").click()
        wait_visible(d, "convert-form")
        assert wait_visible(d, "convert-picked").get_attribute("data-uid") == study_uid
        assert file_names(d) == []

        # A new patient without a name: stopped under the name input, nothing sent.
        wait_visible(d, "convert-target-patient").click()
        wait_visible(d, "convert-patientId").send_keys("E2E-CONV-%d" % int(time.time()))
        add_files(d, png)
        WebDriverWait(d, TIMEOUT).until(lambda drv: len(file_names(drv)) == 1)
        wait_visible(d, "convert-submit").click()
        assert wait_visible(d, "error-patientName").text == "请填写患者姓名"
        assert wait_visible(d, "convert-patientName").get_attribute("aria-invalid") == "true"
        assert not d.find_element(By.CSS_SELECTOR, css_testid("error-patientId")).is_displayed()
        assert not d.find_element(By.CSS_SELECTOR, css_testid("convert-result")).is_displayed()
        screenshot(d, "63-archive-convert-new-patient-error.png")

        # With the name it goes: a new study of the new patient, and 继续上传 goes on into that study.
        wait_visible(d, "convert-patientName").send_keys("王小明")
        Select(wait_visible(d, "convert-sex")).select_by_value("M")
        d.execute_script("arguments[0].value = '1980-02-03';", wait_visible(d, "convert-birthDate"))
        wait_visible(d, "convert-submit").click()
        summary = wait_visible(d, "convert-summary", timeout=60)
        assert summary.get_attribute("data-ok") == "1", wait_visible(d, "convert-result").text
        assert "王小明" in wait_visible(d, "convert-where").text
        new_uid = wait_visible(d, "convert-view").get_attribute("href").split("study=")[1]
        assert new_uid and new_uid != study_uid
        screenshot(d, "64-archive-convert-new-patient-done.png")
        found = session.get(f"{BASE_URL}/dicomweb/studies", params={"StudyInstanceUID": new_uid, "includefield": "00100030"}).json()
        assert len(found) == 1
        assert found[0]["00100010"]["Value"][0]["Alphabetic"] == "王小明"
        assert found[0]["00100040"]["Value"] == ["M"]
        assert found[0]["00100030"]["Value"] == ["19800203"]
        assert series_modalities(session, new_uid) == ["OT"]
        wait_visible(d, "convert-again").click()
        assert wait_visible(d, "convert-picked").get_attribute("data-uid") == new_uid
        assert wait_visible(d, "convert-target-study").find_element(By.TAG_NAME, "input").is_selected()
        assert wait_visible(d, "picked-patient").text == "王小明"
