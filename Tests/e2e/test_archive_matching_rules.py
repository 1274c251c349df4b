"""Browser test of the department's matching rules (DCM-06 configurable rules) and of 建议匹配 on the 待匹配 tab of
影像数据管理.

Starts its own Yunying server from the prebuilt binary (.build/debug/yunying; `yunying demo` first, own data directory,
HTTP 19800 and DICOM 19801 unless YUNYING_RULES_E2E_PORT says otherwise, no automatic registration). The exam is
booked through the API as the demo `registrar` (POST /api/worklist/items) under the city hospital's patient ID; the
study arrives with DCMTK storescu under the county hospital's own ID. The demo department head (`head`,
archive.manage) does the rest in the browser:
  - 待匹配 → 匹配规则: the explanation of the order (built-in rules first: Study Instance UID → 检查号 → 患者ID + 设备 +
    日期, then the table's rules in order) and the empty state 尚未配置科室匹配规则;
  - a rule of 患者姓名 + 设备类型 only is refused: the server's too_weak message stands under 匹配条件;
  - the same dialog, completed to 患者姓名 + 出生日期 + 性别 + 设备类型 + 检查日期 (±1 天), 人工确认, is saved and listed
    with its conditions as Chinese chips;
  - a second rule (直接匹配) is added, moved above the first and back (上移/下移 change the positions the server keeps),
    switched off with its 启用 switch, and deleted after a confirmation;
  - the county study arrives: the rule proposes the exam, the queue shows 建议匹配 (violet) with 建议：<检查号>; 核对确认
    opens the dialog with that exam marked 建议 and already chosen, so one click on 确认匹配 matches it; the study
    leaves the queue and 归档检索 shows 已匹配.
Screenshots: Tests/e2e/artifacts/90-archive-rules-empty.png … 96-archive-rules-matched.png.
"""

import os
import shutil
import subprocess
import tempfile
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible, wait_gone, wait_table_idle, wait_text, within
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, SLOW, wait_port

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
np = pytest.importorskip("numpy")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")

HTTP_PORT = int(os.environ.get("YUNYING_RULES_E2E_PORT", "19800"))
DICOM_PORT = HTTP_PORT + 1
ADMIN_PASSWORD = "Rules#Yunying2026"
REGISTRAR_PASSWORD = "Reg#Yunying2026x"
TODAY = time.strftime("%Y%m%d")
TOO_WEAK = "规则至少要包含「患者 ID」或「患者姓名 + 出生日期」，以及「设备类型」或「检查号」"
REVIEW_RULE = "县医院患者（姓名+出生日期）"
DIRECT_RULE = "MR 直接匹配（姓名+出生日期）"


def session(base, username, password, new_password=None):
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    if new_password:
        c = s.post(base + "/api/me/password", json={"currentPassword": password, "newPassword": new_password})
        assert c.status_code in (200, 204), c.text
    return s


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-rules-e2e-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_AUTO_REGISTER="", YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        head = session(base, "head", DEMO_PASSWORD, HEAD_PASSWORD)
        registrar = session(base, "registrar", DEMO_PASSWORD, REGISTRAR_PASSWORD)
        yield {"base": base, "data": data, "head": head, "registrar": registrar}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def county_study(folder):
    """One CT image of 马六 from the county hospital: its own patient ID, no accession number."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID, ds.PatientName, ds.AccessionNumber, ds.Modality = "XC-9", "Ma^Liu=马^六", "", "CT"
    ds.PatientBirthDate, ds.PatientSex = "19600304", "F"
    ds.StudyDescription = ds.SeriesDescription = "胸部CT平扫"
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
    return path, ds.StudyInstanceUID


def sign_in(d, base):
    d.get(f"{base}/#/archive/matching")
    wait_visible(d, "login-username", SLOW).send_keys("head")
    wait_visible(d, "login-password").send_keys(HEAD_PASSWORD)
    wait_visible(d, "login-submit").click()
    wait_visible(d, "archive-panel-matching", SLOW)


def rule_rows(d):
    wait_table_idle(d, "rules-table")
    return d.find_elements(By.CSS_SELECTOR, css_testid("rule-row"))


def rule_row(d, name):
    found = [r for r in rule_rows(d) if r.get_attribute("data-name") == name]
    return found[0] if found else None


def rules_by_api(server):
    return server["head"].get(server["base"] + "/api/archive/matching-rules").json()["items"]


def tick(dialog, *keys):
    for key in keys:
        box = within(dialog, f"rule-form-key-{key}")
        if not box.is_selected():
            box.click()


def test_rules_and_a_proposal_confirmed_in_one_click(browser, server):
    d = browser
    base = server["base"]
    exam = server["registrar"].post(base + "/api/worklist/items", json={
        "accessionNumber": "ACC-R1", "patientId": "C100", "patientName": "Ma^Liu=马^六", "modality": "CT",
        "scheduledDate": TODAY, "birthDate": "19600304", "sex": "F", "procedureDescription": "胸部CT平扫"})
    assert exam.status_code == 201, exam.text
    exam_id = exam.json()["id"]

    sign_in(d, base)
    # 待匹配 has two parts: the studies and the rules.
    assert wait_visible(d, "matching-sub-queue").get_attribute("aria-current") == "page"
    wait_visible(d, "matching-sub-rules").click()
    wait_visible(d, "rules-table")
    assert d.current_url.endswith("#/archive/matching/rules")
    assert wait_visible(d, "matching-sub-rules").get_attribute("aria-current") == "page"
    intro = wait_visible(d, "rules-intro").text
    assert "Study Instance UID → 检查号 → 患者ID + 设备 + 日期" in intro, intro
    assert "按下表顺序" in intro
    head = wait_visible(d, "rules-table").find_element(By.TAG_NAME, "thead").text
    for title in ("顺序", "规则名称", "匹配条件", "允许相差天数", "命中后", "启用", "操作"):
        assert title in head, (title, head)
    empty = wait_visible(d, "empty-state")
    assert "尚未配置科室匹配规则" in empty.text
    screenshot(d, "90-archive-rules-empty.png")

    # Too weak: a name and a modality identify nobody. The server says so under 匹配条件.
    wait_visible(d, "rule-add").click()
    dialog = wait_visible(d, "rule-form")
    labels = within(dialog, "rule-form-keys").text
    for label in ("患者 ID", "患者姓名", "出生日期", "性别", "设备类型", "检查号", "检查日期"):
        assert label in labels, (label, labels)
    assert within(dialog, "rule-form-action-review").is_selected(), "人工确认 is the default"
    assert not within(dialog, "rule-form-windowDays").is_enabled(), "no date compared: no window"
    within(dialog, "rule-form-name").send_keys("只看姓名")
    tick(dialog, "patientName", "modality")
    wait_visible(d, "modal-submit").click()
    error = wait_visible(d, "error-keys")
    assert error.text == TOO_WEAK, error.text
    assert dialog.is_displayed()
    screenshot(d, "91-archive-rules-too-weak.png")

    # The same dialog, made strong enough: 患者姓名 + 出生日期 + 性别 + 设备类型 + 检查日期 within a day, confirmed by a person.
    name = within(dialog, "rule-form-name")
    name.clear()
    name.send_keys(REVIEW_RULE)
    tick(dialog, "birthDate", "sex", "studyDate")
    assert not d.find_element(By.CSS_SELECTOR, css_testid("error-keys")).is_displayed(), "the old judgement is cleared"
    days = within(dialog, "rule-form-windowDays")
    assert days.is_enabled() and days.get_attribute("value") == "1"
    screenshot(d, "92-archive-rules-dialog.png")
    wait_visible(d, "modal-submit").click()
    wait_gone(d, "rule-form")
    wait_text(d, "toast-success", REVIEW_RULE)
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: rule_row(drv, REVIEW_RULE))
    row = rule_row(d, REVIEW_RULE)
    assert [c.text for c in row.find_elements(By.CSS_SELECTOR, css_testid("rule-key"))] == ["患者姓名", "出生日期", "性别", "设备类型", "检查日期"]
    assert within(row, "rule-window").text == "±1 天"
    action = within(row, "rule-action")
    assert action.text == "人工确认" and "badge-purple" in action.get_attribute("class")
    assert within(row, "rule-active-input").is_selected()
    (saved,) = rules_by_api(server)
    assert saved["keys"] == ["patientName", "birthDate", "sex", "modality", "studyDate"]
    assert saved["windowDays"] == 1 and saved["action"] == "review" and saved["active"] is True

    # A second rule that matches at once; it is listed after the first.
    wait_visible(d, "rule-add").click()
    dialog = wait_visible(d, "rule-form")
    within(dialog, "rule-form-name").send_keys(DIRECT_RULE)
    tick(dialog, "patientName", "birthDate", "modality")
    within(dialog, "rule-form-action-match").click()
    wait_visible(d, "modal-submit").click()
    wait_gone(d, "rule-form")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rule_rows(drv)) == 2)
    assert [r.get_attribute("data-name") for r in rule_rows(d)] == [REVIEW_RULE, DIRECT_RULE]
    row = rule_row(d, DIRECT_RULE)
    assert within(row, "rule-action").text == "直接匹配" and within(row, "rule-window").text == "不比较日期"
    assert within(row, "rule-order").text == "2"

    # 上移: the second rule runs first; 下移 puts it back. The order is the server's.
    within(rule_row(d, DIRECT_RULE), "rule-up").click()
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: [r.get_attribute("data-name") for r in rule_rows(drv)] == [DIRECT_RULE, REVIEW_RULE])
    assert [r["name"] for r in sorted(rules_by_api(server), key=lambda r: (r["position"], r["id"]))] == [DIRECT_RULE, REVIEW_RULE]
    assert not within(rule_row(d, DIRECT_RULE), "rule-up").is_enabled()
    screenshot(d, "93-archive-rules-list.png")
    within(rule_row(d, DIRECT_RULE), "rule-down").click()
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: [r.get_attribute("data-name") for r in rule_rows(drv)] == [REVIEW_RULE, DIRECT_RULE])
    assert [r["name"] for r in sorted(rules_by_api(server), key=lambda r: (r["position"], r["id"]))] == [REVIEW_RULE, DIRECT_RULE]

    # 启用 off, then 删除 after a confirmation (cancel first: nothing happens).
    within(rule_row(d, DIRECT_RULE), "rule-active").click()
    WebDriverWait(d, SLOW).until(lambda drv: next(r for r in rules_by_api(server) if r["name"] == DIRECT_RULE)["active"] is False)
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: not within(rule_row(drv, DIRECT_RULE), "rule-active-input").is_selected())
    within(rule_row(d, DIRECT_RULE), "rule-delete").click()
    assert DIRECT_RULE in wait_visible(d, "confirm-dialog").text
    wait_visible(d, "confirm-cancel").click()
    wait_gone(d, "confirm-dialog")
    assert len(rules_by_api(server)) == 2
    within(rule_row(d, DIRECT_RULE), "rule-delete").click()
    wait_visible(d, "confirm-ok").click()
    wait_gone(d, "confirm-dialog")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rule_rows(drv)) == 1)
    assert [r["name"] for r in rules_by_api(server)] == [REVIEW_RULE]

    # The county study arrives under its own patient ID: no built-in rule can match it, the department's proposes the exam.
    with tempfile.TemporaryDirectory() as folder:
        path, study_uid = county_study(folder)
        sent = subprocess.run([STORESCU, "-aet", "COUNTY", "-aec", "YUNYING", "127.0.0.1", str(DICOM_PORT), path],
                              capture_output=True, text=True, timeout=60, env=dict(os.environ, TCP_NODELAY="1"))
        assert sent.returncode == 0, sent.stdout + sent.stderr

    wait_visible(d, "matching-sub-queue").click()
    wait_visible(d, "match-queue-table")
    deadline = time.time() + 40
    while True:
        wait_visible(d, "queue-refresh").click()
        wait_table_idle(d, "match-queue-table")
        found = d.find_elements(By.CSS_SELECTOR, css_testid(f"queue-row-{study_uid}"))
        if found and found[0].get_attribute("data-state") == "suggested":
            break
        assert time.time() < deadline, wait_visible(d, "match-queue-table").text
        time.sleep(1)
    row = d.find_element(By.CSS_SELECTOR, css_testid(f"queue-row-{study_uid}"))
    status = within(row, "queue-status")
    assert status.text == "建议匹配" and "badge-purple" in status.get_attribute("class")
    assert REVIEW_RULE in within(row, "queue-reason").text and "ACC-R1" in within(row, "queue-reason").text
    assert within(row, "queue-suggested").text == "建议：ACC-R1"
    assert within(row, "queue-patient-id").text == "XC-9"
    button = within(row, "queue-match")
    assert button.text == "核对确认"
    assert wait_visible(d, "archive-tab-matching-count").text == "1"
    screenshot(d, "94-archive-rules-queue.png")

    # 核对确认: the proposed exam first, marked 建议 and chosen; 确认匹配 is the one click left.
    button.click()
    dialog = wait_visible(d, "match-dialog")
    assert "建议匹配" in within(dialog, "match-reason").text
    candidates = dialog.find_elements(By.CSS_SELECTOR, f"{css_testid('candidate-table')} tbody tr")
    assert candidates[0].get_attribute("data-exam") == str(exam_id)
    first = within(dialog, "candidate-ACC-R1")
    assert within(first, "candidate-suggested").text == "建议"
    assert within(first, "candidate-radio").is_selected()
    assert "is-suggested" in first.get_attribute("class")
    assert "C100" in first.text and "马六" in first.text
    assert "已为您选中" in within(dialog, "match-hint").text
    assert d.switch_to.active_element.get_attribute("data-testid") == "match-confirm"
    screenshot(d, "95-archive-rules-confirm.png")
    wait_visible(d, "match-confirm").click()
    wait_gone(d, "match-dialog")
    wait_text(d, "toast-success", "ACC-R1")
    wait_table_idle(d, "match-queue-table")
    WebDriverWait(d, SLOW).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, css_testid(f"queue-row-{study_uid}")))

    # 归档检索: matched, by hand.
    wait_visible(d, "archive-tab-studies").click()
    wait_visible(d, "archive-panel-studies")
    wait_visible(d, "archive-patientId").send_keys("XC-9")
    wait_visible(d, "archive-query").click()
    wait_table_idle(d, "archive-studies-table")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: [e.text for e in drv.find_elements(By.CSS_SELECTOR, css_testid("study-match"))] == ["已匹配"])
    match = d.find_element(By.CSS_SELECTOR, css_testid("study-match"))
    assert "badge-green" in match.get_attribute("class") and "人工匹配" in match.get_attribute("title")
    screenshot(d, "96-archive-rules-matched.png")
    rows = server["head"].get(base + "/api/archive/studies", params={"patientId": "XC-9"}).json()["items"]
    assert [r["matchStatus"] for r in rows] == ["matched"]
