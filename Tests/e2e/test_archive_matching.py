"""End-to-end test of exam matching in 影像数据管理 (DCM-06 matching studies to their exams, DCM-07 automatic
registration 补登记): the 待匹配 tab (#/archive/matching) with its count on the tab, the 匹配 dialog (no candidate
yet: register first; the choice required; an exam already taken) and the 匹配 column of 归档检索.

Needs a running Yunying server loaded with demo data, like the other browser tests (Tests/e2e/run.sh starts one; it
sets YUNYING_AUTO_REGISTER=CT unless told otherwise):
  YUNYING_E2E_URL, YUNYING_E2E_ADMIN_PASSWORD, YUNYING_E2E_DEMO_PASSWORD, YUNYING_DICOM_PORT, YUNYING_AE_TITLE
                               as for test_archive_pages.py
  YUNYING_AUTO_REGISTER        the server's automatic registration list; with CT in it the CT study below must be
                               補登记 (blue), otherwise it waits in the queue like the MR ones
Exams are created through the API as the demo user `registrar` (登记员: POST /api/worklist/items); images are made
with pydicom and sent with DCMTK's storescu. Every run uses new patient IDs, so it can run again on the same server.
Patients: 王五 (two MR studies, no exam when they arrive), 赵六 (an exam), 孙七 (an MR image carrying 赵六's accession
number: 冲突), 周八 (a CT study without an exam: 补登记 or 未匹配).
The demo user `head` (科室主任, archive.manage) does the matching in the browser.
Screenshots: Tests/e2e/artifacts/37-archive-match-queue.png, 38-archive-match-none.png, 39-archive-match-dialog.png,
40-archive-match-studies.png, 41-archive-match-queue-en.png.
"""

import os
import shutil
import subprocess
import tempfile
import time

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import BASE_URL, TIMEOUT, css_testid, wait_visible, wait_gone, wait_table_idle, wait_text, within, screenshot, go, needs_server
from test_archive_pages import DEMO_PASSWORD, rows, search, sign_in_as_head

pydicom = pytest.importorskip("pydicom")
np = pytest.importorskip("numpy")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

pytestmark = needs_server

TODAY = time.strftime("%Y%m%d")
# Must pass the default policy and must not contain the user name.
REGISTRAR_PASSWORD = "Rg#Yunying2026x"


def registrar_session():
    """The demo user `registrar` over the API (changes the initial password at the first login, as the server asks)."""
    s = requests.Session()
    r = s.post(f"{BASE_URL}/api/auth/login", json={"username": "registrar", "password": DEMO_PASSWORD})
    if r.status_code != 200:
        # Changed by an earlier run against the same server.
        r = s.post(f"{BASE_URL}/api/auth/login", json={"username": "registrar", "password": REGISTRAR_PASSWORD})
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrfToken"]
    if r.json()["user"].get("passwordChangeRequired"):
        c = s.post(f"{BASE_URL}/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": REGISTRAR_PASSWORD})
        assert c.status_code in (200, 204), c.text
    return s


def order(session, accession, patient_id, name, modality):
    """An exam (worklist item) scheduled for today; returns its id."""
    r = session.post(f"{BASE_URL}/api/worklist/items", json={
        "accessionNumber": accession, "patientId": patient_id, "patientName": name, "modality": modality, "scheduledDate": TODAY})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def image(folder, patient_id, name, accession, modality, description):
    """One small image of a new study."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2" if modality == "CT" else "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID, ds.PatientName, ds.AccessionNumber, ds.Modality = patient_id, name, accession, modality
    ds.PatientSex = "M"
    ds.StudyDescription = ds.SeriesDescription = description
    ds.StudyDate, ds.StudyTime, ds.SeriesNumber, ds.InstanceNumber = TODAY, "101500", 1, 1
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = np.arange(64, dtype=np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = os.path.join(folder, ds.SOPInstanceUID + ".dcm")
    ds.save_as(path, enforce_file_format=True)
    return path


def send(paths):
    storescu = shutil.which("storescu") or "/usr/bin/storescu"
    if not os.path.exists(storescu):
        pytest.fail("storescu (DCMTK) is needed to send studies: apt-get install dcmtk")
    port = os.environ.get("YUNYING_DICOM_PORT", "11112")
    aet = os.environ.get("YUNYING_AE_TITLE", "YUNYING")
    done = subprocess.run([storescu, "-aet", "E2EMOD", "-aec", aet, "127.0.0.1", port, *paths], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, TCP_NODELAY="1"))
    assert done.returncode == 0, done.stdout + done.stderr


def queue_row(d, accession):
    found = d.find_elements(By.CSS_SELECTOR, css_testid(f"queue-row-{accession}"))
    return found[0] if found else None


def refresh_queue(d):
    wait_visible(d, "queue-refresh").click()
    wait_table_idle(d, "match-queue-table")


def wait_in_queue(d, accessions, timeout=40):
    """The matcher runs every few seconds; 刷新 until every study is listed."""
    deadline = time.time() + timeout
    while True:
        refresh_queue(d)
        if all(queue_row(d, a) for a in accessions):
            return
        assert time.time() < deadline, f"not in the queue: {accessions}: {wait_visible(d, 'match-queue-table').text}"
        time.sleep(1)


def open_match(d, accession):
    within(queue_row(d, accession), "queue-match").click()
    return wait_visible(d, "match-dialog")


def test_exam_matching(browser):
    d = browser
    run = time.strftime("%H%M%S")
    wang, zhao, sun, zhou = (f"E2E{run}{n}" for n in ("W", "Z", "S", "C"))
    img1, img2, ct = (f"IMG{run}{n}" for n in ("1", "2", "CT"))
    exam_zhao, exam_wang = f"ACC{run}Z", f"ACC{run}W"
    clash = exam_zhao  # 孙七's images carry 赵六's accession number
    registrar = registrar_session()
    order(registrar, exam_zhao, zhao, "Zhao^Liu=赵^六", "MR")
    with tempfile.TemporaryDirectory() as folder:
        send([
            image(folder, wang, "Wang^Wu=王^五", img1, "MR", "头颅MR平扫"),
            image(folder, wang, "Wang^Wu=王^五", img2, "MR", "腰椎MR平扫"),
            image(folder, sun, "Sun^Qi=孙^七", clash, "MR", "膝关节MR"),
            image(folder, zhou, "Zhou^Ba=周^八", ct, "CT", "胸部CT平扫"),
        ])
    auto_ct = "CT" in [m.strip().upper() for m in os.environ.get("YUNYING_AUTO_REGISTER", "").split(",")] or os.environ.get("YUNYING_AUTO_REGISTER") == "*"

    sign_in_as_head(d)
    go(d, "/archive/matching")
    wait_visible(d, "archive-panel-matching")
    assert "待匹配" in wait_visible(d, "archive-tab-matching").text
    waiting = [img1, img2, clash] + ([] if auto_ct else [ct])
    wait_in_queue(d, waiting)
    header = wait_visible(d, "match-queue-table").find_element(By.TAG_NAME, "thead").text
    for title in ("患者", "患者ID", "图像检查号", "检查日期", "设备", "检查描述", "状态", "原因", "操作"):
        assert title in header, (title, header)

    # 王五: Chinese name with the pinyin under it, 未匹配 (amber), the server's reason, no candidate yet.
    row = queue_row(d, img1)
    assert within(row, "queue-patient").text == "王五" and "Wang Wu" in row.text
    assert within(row, "queue-patient-id").text == wang
    assert within(row, "queue-status").text == "未匹配" and "badge-orange" in within(row, "queue-status").get_attribute("class")
    assert within(row, "queue-reason").text == "未找到对应的检查预约"
    assert within(row, "queue-candidates").text == "暂无候选预约，需先登记"
    assert "MR" in row.text and "头颅MR平扫" in row.text and f"{TODAY[:4]}-{TODAY[4:6]}-{TODAY[6:]}" in row.text
    # 孙七: 冲突 (red), the exam whose accession number the images carry is the candidate.
    row = queue_row(d, clash)
    assert within(row, "queue-status").text == "冲突" and "badge-red" in within(row, "queue-status").get_attribute("class")
    assert zhao in within(row, "queue-reason").text and sun in within(row, "queue-reason").text
    assert within(row, "queue-candidates").text == "候选预约 1 个"
    # The number on the tab is the queue's total.
    total = int(wait_visible(d, "pager-total").text.strip("共 条"))
    assert wait_visible(d, "archive-tab-matching-count").text == (str(total) if total < 100 else "99+")
    screenshot(d, "37-archive-match-queue.png")

    # No exam for 王五 yet: the dialog says to register it first and offers no confirmation.
    dialog = open_match(d, img1)
    assert "没有可匹配的检查预约" in wait_visible(d, "match-no-candidates").text
    assert wang in within(dialog, "match-no-candidates").text and "登记" in within(dialog, "match-no-candidates").text
    assert dialog.find_elements(By.CSS_SELECTOR, css_testid("match-confirm")) == []
    assert "王五" in within(dialog, "dialog-study").text
    screenshot(d, "38-archive-match-none.png")
    wait_visible(d, "match-cancel").click()
    wait_gone(d, "match-dialog")

    # The exam is registered; now it is the candidate.
    exam_id = order(registrar, exam_wang, wang, "Wang^Wu=王^五", "MR")
    refresh_queue(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: within(queue_row(drv, img1), "queue-candidates").text == "候选预约 1 个")
    dialog = open_match(d, img1)
    head = within(dialog, "candidate-table").find_element(By.TAG_NAME, "thead").text
    for title in ("选择", "检查号", "患者", "设备", "预约日期", "检查项目", "状态"):
        assert title in head, (title, head)
    candidate = within(dialog, f"candidate-{exam_wang}")
    assert "王五" in candidate.text and wang in candidate.text and "MR" in candidate.text and "已预约" in candidate.text
    # Nothing chosen: said under the list, nothing sent.
    wait_visible(d, "match-confirm").click()
    assert wait_visible(d, "error-examId").text == "请选择要匹配的检查预约"
    # A click on the row chooses it.
    candidate.find_element(By.CSS_SELECTOR, css_testid("candidate-accession")).click()
    assert within(candidate, "candidate-radio").is_selected()
    assert not d.find_element(By.CSS_SELECTOR, css_testid("error-examId")).is_displayed()
    screenshot(d, "39-archive-match-dialog.png")
    wait_visible(d, "match-confirm").click()
    wait_gone(d, "match-dialog")
    wait_text(d, "toast-success", exam_wang)
    wait_table_idle(d, "match-queue-table")
    WebDriverWait(d, TIMEOUT).until(lambda drv: queue_row(drv, img1) is None)
    assert wait_visible(d, "archive-tab-matching-count").text == (str(total - 1) if total - 1 < 100 else "99+")

    # 王五's other study cannot take the same exam (409 exam_taken), said in the dialog.
    dialog = open_match(d, img2)
    within(dialog, f"candidate-{exam_wang}").find_element(By.CSS_SELECTOR, css_testid("candidate-radio")).click()
    assert "已完成" in within(dialog, f"candidate-{exam_wang}").text
    wait_visible(d, "match-confirm").click()
    wait_text(d, "match-alert", "该预约已与另一个检查关联")
    assert queue_row(d, img2) is not None
    wait_visible(d, "match-cancel").click()
    wait_gone(d, "match-dialog")
    assert exam_id

    # 归档检索: the 匹配 column says how each study was matched; the tooltip says why.
    wait_visible(d, "archive-tab-studies").click()
    wait_visible(d, "archive-panel-studies")
    assert "匹配" in wait_visible(d, "archive-studies-table").find_element(By.TAG_NAME, "thead").text
    wait_visible(d, "archive-patientName").send_keys("王五")
    search(d)
    by_accession = {within(r, "study-accession").text: within(r, "study-match") for r in rows(d)}
    assert by_accession[img1].text == "已匹配" and "badge-green" in by_accession[img1].get_attribute("class")
    assert "人工匹配" in by_accession[img1].get_attribute("title")
    assert by_accession[img2].text == "未匹配" and by_accession[img2].get_attribute("title") == "未找到对应的检查预约"
    name_box = wait_visible(d, "archive-patientName")
    name_box.clear()
    wait_visible(d, "archive-patientId").send_keys(zhou)
    search(d)
    (ct_match,) = [within(r, "study-match") for r in rows(d)]
    if auto_ct:
        assert ct_match.text == "补登记" and "badge-blue" in ct_match.get_attribute("class")
        assert ct_match.get_attribute("title") == "未找到预约，已按图像信息自动补登记"
    else:
        assert ct_match.text == "未匹配"
    wait_visible(d, "archive-patientId").clear()
    search(d)
    screenshot(d, "40-archive-match-studies.png")

    # In English the queue speaks English, the server's reasons included.
    d.execute_script("localStorage.setItem('yy.lang', 'en');")
    go(d, "/archive/matching")
    d.refresh()
    wait_table_idle(d, "match-queue-table")
    assert "To match" in wait_visible(d, "archive-tabs").text
    row = queue_row(d, img2)
    assert within(row, "queue-status").text == "Unmatched" and within(row, "queue-reason").text == "No exam found for it"
    assert "Accession number" in within(queue_row(d, clash), "queue-reason").get_attribute("title")
    screenshot(d, "41-archive-match-queue-en.png")
    d.execute_script("localStorage.setItem('yy.lang', 'zh-CN');")
