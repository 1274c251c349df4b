"""End-to-end test of 影像数据管理 (#/archive, DM-01..07): 归档检索 with its filters, inline date errors, the
completeness and access-log dialogs and the Excel link; 归档统计 with its chart; 上传状态 without an object store.

Needs a running Yunying server loaded with demo data, like the other browser tests (Tests/e2e/run.sh starts one):
  YUNYING_E2E_URL              base URL, e.g. http://127.0.0.1:18089
  YUNYING_E2E_ADMIN_PASSWORD   password of the bootstrap administrator (marks the server as prepared)
  YUNYING_E2E_DEMO_PASSWORD    initial password of the demo users (`yunying demo --password …`; run.sh sets it)
  YUNYING_DICOM_PORT           the server's DICOM port (run.sh exports it; default 11112), AE title YUNYING_AE_TITLE
                               (default YUNYING)
Studies are sent with DCMTK's storescu (Debian package dcmtk) from Tests/interop/synthetic.py (pydicom, numpy): one
patient Zhang^San=张^三 with a CT study (CT2024001: 4 slices and a colour screenshot) and an MR study (MR2025001).
The server must have no object store configured (no YUNYING_S3_*), so that 上传状态 shows its notice.
The demo user `head` (科室主任, department_head: archive.manage) signs in and changes the initial password on the way.
Screenshots: Tests/e2e/artifacts/30-archive-studies.png, 31-archive-search-errors.png, 32-archive-completeness.png,
33-archive-access.png, 34-archive-statistics.png, 35-archive-upload.png, 36-archive-studies-en.png.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import TIMEOUT, css_testid, wait_visible, wait_gone, wait_table_idle, wait_text, within, screenshot, go, login, needs_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

pytestmark = needs_server

DEMO_PASSWORD = os.environ.get("YUNYING_E2E_DEMO_PASSWORD", "Demo#2026pwA")
# Must pass the default policy and must not contain the user name.
NEW_PASSWORD = "Dm#Yunying2026"


def send_studies():
    """The synthetic CT and MR studies of 张三, sent over DICOM with storescu."""
    storescu = shutil.which("storescu") or "/usr/bin/storescu"
    if not os.path.exists(storescu):
        pytest.fail("storescu (DCMTK) is needed to send studies: apt-get install dcmtk")
    synthetic = pytest.importorskip("synthetic")
    with tempfile.TemporaryDirectory() as folder:
        files = [str(p) for p in synthetic.make(folder, ct_slices=4, mr_slices=2)]
        port = os.environ.get("YUNYING_DICOM_PORT", "11112")
        aet = os.environ.get("YUNYING_AE_TITLE", "YUNYING")
        done = subprocess.run([storescu, "-aet", "E2ESCU", "-aec", aet, "127.0.0.1", port, *files], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, TCP_NODELAY="1"))
        assert done.returncode == 0, done.stdout + done.stderr


def sign_in_as_head(d):
    """Log in as `head`; at the first login the initial password must be changed."""
    login(d, "head", DEMO_PASSWORD)
    WebDriverWait(d, TIMEOUT).until(
        lambda drv: drv.find_elements(By.CSS_SELECTOR, css_testid("forced-password-page"))
        or drv.find_elements(By.CSS_SELECTOR, css_testid("user-menu"))
        or drv.find_elements(By.CSS_SELECTOR, ".auth-error:not([hidden])")
    )
    if d.find_elements(By.CSS_SELECTOR, css_testid("forced-password-page")):
        wait_visible(d, "pwd-current").send_keys(DEMO_PASSWORD)
        wait_visible(d, "pwd-new").send_keys(NEW_PASSWORD)
        wait_visible(d, "pwd-confirm").send_keys(NEW_PASSWORD)
        wait_visible(d, "pwd-submit").click()
    elif not d.find_elements(By.CSS_SELECTOR, css_testid("user-menu")):
        # Changed by an earlier run against the same server.
        login(d, "head", NEW_PASSWORD)
    wait_visible(d, "user-menu")


def rows(d):
    return d.find_elements(By.CSS_SELECTOR, f'{css_testid("archive-studies-table")} tbody tr:not(.state-row)')


def search(d):
    wait_visible(d, "archive-query").click()
    wait_table_idle(d, "archive-studies-table")


def set_value(d, testid, value):
    """Date inputs take typed text in the browser's locale; set the value the way the page reads it."""
    d.execute_script("const el = arguments[0]; el.value = arguments[1]; el.dispatchEvent(new Event('input', {bubbles: true}));", wait_visible(d, testid), value)


def test_archive_pages(browser):
    d = browser
    send_studies()
    sign_in_as_head(d)

    # The module is in the sidebar (no longer "not yet available") and opens on 归档检索.
    nav = wait_visible(d, "nav-archive")
    assert "影像数据管理" in nav.text
    assert nav.find_elements(By.CSS_SELECTOR, ".nav-tag") == []
    nav.click()
    WebDriverWait(d, TIMEOUT).until(lambda drv: drv.current_url.endswith("#/archive/studies"))
    wait_visible(d, "archive-panel-studies")
    wait_table_idle(d, "archive-studies-table")
    assert len(rows(d)) >= 2
    header = wait_visible(d, "archive-studies-table").find_element(By.TAG_NAME, "thead").text
    for title in ("姓名", "患者ID", "性别", "检查号", "检查日期", "设备", "检查描述", "院区", "序列/图像", "大小", "归档时间", "上传状态"):
        assert title in header, (title, header)
    # The campus select is filled from the dictionary.
    WebDriverWait(d, TIMEOUT).until(lambda drv: len(Select(wait_visible(drv, "archive-institution")).options) > 1)
    assert "市中心医院" in [o.text for o in Select(wait_visible(d, "archive-institution")).options]

    # By a part of the Chinese name: every row is 张三, shown in Chinese with the pinyin under it.
    wait_visible(d, "archive-patientName").send_keys("张")
    search(d)
    found = rows(d)
    assert len(found) >= 2
    for row in found:
        assert within(row, "study-patient").text == "张三"
        assert "Zhang San" in row.text
        # No object store: nothing is uploaded, the badge says 待上传 and its tooltip has the counts.
        cloud = within(row, "study-cloud")
        assert cloud.text == "待上传"
        assert "已上传 0" in cloud.get_attribute("title") and "待上传" in cloud.get_attribute("title")
    # By pinyin too.
    name_box = wait_visible(d, "archive-patientName")
    name_box.clear()
    name_box.send_keys("zhang")
    search(d)
    assert len(rows(d)) >= 2

    # By modality (the select searches at once): only the MR study.
    Select(wait_visible(d, "archive-modality")).select_by_value("MR")
    wait_table_idle(d, "archive-studies-table")
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: rows(drv) and all(within(r, "study-modality").text == "MR" for r in rows(drv))
    )
    assert all(within(r, "study-accession").text == "MR2025001" for r in rows(d))
    href = wait_visible(d, "archive-export").get_attribute("href")
    assert "/api/archive/studies/export.xlsx?" in href and "patientName=zhang" in href and "modality=MR" in href and "lang=zh-CN" in href, href

    # Back to all, CT: the table the data administrator sees.
    wait_visible(d, "archive-panel-studies").find_element(By.XPATH, ".//button[.='重置']").click()
    wait_table_idle(d, "archive-studies-table")
    Select(wait_visible(d, "archive-modality")).select_by_value("CT")
    wait_table_idle(d, "archive-studies-table")
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: rows(drv) and all("CT" in within(r, "study-modality").text for r in rows(drv))
    )
    Select(wait_visible(d, "archive-modality")).select_by_value("")
    wait_table_idle(d, "archive-studies-table")
    screenshot(d, "30-archive-studies.png")

    # A range whose end is before its start is marked under 至, and nothing is searched.
    set_value(d, "archive-studyFrom", "2025-01-10")
    set_value(d, "archive-studyTo", "2025-01-01")
    search(d)
    assert wait_visible(d, "error-studyTo").text == "结束日期不能早于开始日期"
    # The server's own check (422, field studyFrom) lands under the input it names.
    set_value(d, "archive-studyTo", "")
    d.execute_script("arguments[0].type = 'text'; arguments[0].value = '2024';", wait_visible(d, "archive-studyFrom"))
    search(d)
    wait_text(d, "error-studyFrom", "YYYY-MM-DD")
    assert not wait_visible(d, "archive-panel-studies").find_element(By.CSS_SELECTOR, css_testid("error-studyTo")).is_displayed()
    screenshot(d, "31-archive-search-errors.png")
    d.execute_script("arguments[0].value = ''; arguments[0].type = 'date';", wait_visible(d, "archive-studyFrom"))
    search(d)
    assert not d.find_element(By.CSS_SELECTOR, css_testid("error-studyFrom")).is_displayed()

    # 完整性 of the CT study: the overall state with its reason, and every series.
    ct = next(r for r in rows(d) if within(r, "study-accession").text == "CT2024001")
    within(ct, "study-completeness").click()
    dialog = wait_visible(d, "completeness-dialog")
    state = wait_visible(d, "completeness-state")
    assert state.get_attribute("data-state") in ("complete", "receiving"), state.text
    assert wait_visible(d, "completeness-reason").text
    series = dialog.find_elements(By.CSS_SELECTOR, f'{css_testid("completeness-table")} tbody tr')
    assert len(series) == 2, dialog.text
    assert "胸部 5mm" in dialog.text and "彩色重建截图" in dialog.text
    head = dialog.find_element(By.CSS_SELECTOR, f'{css_testid("completeness-table")} thead').text
    for title in ("序列号", "设备", "描述", "已收到", "应收", "缺失编号", "完整"):
        assert title in head
    assert [m.text for m in dialog.find_elements(By.CSS_SELECTOR, css_testid("series-complete"))] == ["✓", "✓"]
    screenshot(d, "32-archive-completeness.png")
    wait_visible(d, "completeness-close").click()
    wait_gone(d, "completeness-dialog")

    # 访问记录: the completeness check just made is there, by head, with the IP.
    ct = next(r for r in rows(d) if within(r, "study-accession").text == "CT2024001")
    within(ct, "study-access").click()
    wait_visible(d, "access-dialog")
    wait_table_idle(d, "access-table")
    access = wait_visible(d, "access-table").text
    assert "完整性检查" in access and "head" in access and "127.0.0.1" in access, access
    screenshot(d, "33-archive-access.png")
    wait_visible(d, "access-close").click()
    wait_gone(d, "access-dialog")

    # 阅片 opens the viewer in a new tab; 重新上传 only for failed uploads (none here).
    view = within(ct, "study-view")
    assert view.get_attribute("target") == "_blank"
    assert "/viewer/?study=" in view.get_attribute("href")
    assert d.find_elements(By.CSS_SELECTOR, css_testid("study-retry")) == []

    # 归档统计: by modality, a bar per key and the table; then by archive date.
    wait_visible(d, "archive-tab-statistics").click()
    wait_visible(d, "archive-panel-statistics")
    wait_table_idle(d, "stats-table")
    wait_visible(d, "stats-chart")
    keys = [e.text for e in d.find_elements(By.CSS_SELECTOR, css_testid("stat-key"))]
    assert "MR" in keys and "CT/OT" in keys, keys
    assert len(d.find_elements(By.CSS_SELECTOR, f'{css_testid("stats-chart")} rect.chart-bar')) == len(keys)
    assert "lang=zh-CN" in wait_visible(d, "stats-export").get_attribute("href")
    Select(wait_visible(d, "stats-by")).select_by_value("archiveDay")
    wait_table_idle(d, "stats-table")
    WebDriverWait(d, TIMEOUT).until(lambda drv: "by=archiveDay" in wait_visible(drv, "stats-export").get_attribute("href"))
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: all(len(e.text) == 10 and e.text[4] == "-" for e in drv.find_elements(By.CSS_SELECTOR, css_testid("stat-key")))
    )
    Select(wait_visible(d, "stats-by")).select_by_value("modality")
    wait_table_idle(d, "stats-table")
    wait_visible(d, "stats-chart")
    screenshot(d, "34-archive-statistics.png")

    # 上传状态: no object store → the notice, the buttons off; the chart counts every image as waiting.
    wait_visible(d, "archive-tab-upload").click()
    notice = wait_visible(d, "no-object-store")
    assert notice.text == "未配置云存储：影像仅保存在本地。请在配置文件中设置 YUNYING_S3_* 后重启。"
    assert not wait_visible(d, "upload-now").is_enabled()
    assert not wait_visible(d, "retry-all").is_enabled()
    assert "未配置云存储" in wait_visible(d, "upload-now-wrap").get_attribute("title")
    wait_visible(d, "upload-chart")
    assert int(wait_visible(d, "storage-pending").find_element(By.CSS_SELECTOR, ".storage-value").text.replace(",", "")) >= 7
    assert "待上传" in wait_visible(d, "upload-chart").text
    screenshot(d, "35-archive-upload.png")

    # In English, the same page speaks English and the export link asks for the English file.
    d.execute_script("localStorage.setItem('yy.lang', 'en');")
    go(d, "/archive/studies")
    d.refresh()
    wait_table_idle(d, "archive-studies-table")
    assert "Archived studies" in wait_visible(d, "archive-tabs").text
    assert "lang=en" in wait_visible(d, "archive-export").get_attribute("href")
    screenshot(d, "36-archive-studies-en.png")
    d.execute_script("localStorage.setItem('yy.lang', 'zh-CN');")
