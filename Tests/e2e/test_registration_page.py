"""Browser test of the registration desk 登记预约 (#/registration; issue #7: REG-02, REG-03, REG-13, REG-16, REG-19).

Starts its own Yunying server from the prebuilt binary (.build/debug/yunying; `yunying demo` first, own data directory,
HTTP 19820 and DICOM 19821 unless YUNYING_REG_E2E_PORT says otherwise). Through the API (as the HIS would) two orders
arrive: 孙红 with card number 6222020012345678 (a chest CT, not booked) and 钱伟 (a head CT booked for today). The demo
`registrar` (registration.manage) then works at the desk in the browser:
  - the search field has the focus on load; the card number is typed followed by Enter, as a card reader does, and
    孙红's order is listed at once with its item 待预约;
  - 新建申请单: saving an empty form shows the desk's own checks under 患者ID, 姓名 and the first item's 项目编码; a
    17-digit 身份证号 is sent and the server's 422 message stands under 身份证号; corrected, the order is saved with
    胸部CT平扫 picked from the CT list, and shown;
  - 预约: the dialog lists the next available CT times and the day grid (used/capacity, the server's reason on the
    slots the item cannot take); the first option is chosen and 预约 is double-clicked — one appointment only;
  - 打印条码标签 before registration: the label's Code 128 decodes (zbarimg, from a screenshot) to the order number;
  - 登记: the exam number is shown large; the label printed from there decodes to that exam number; the page printed
    (window.print stubbed, print media emulated) shows the label alone;
  - DCMTK findscu -W finds the exam on the modality worklist under that accession number, for station CT01;
  - 钱伟's booking is cancelled with a reason; the booking dialog then shows the slot's use one lower, and 40 days ahead
    every slot shows the server's reason (not open for booking yet);
  - 爽约 on a booking whose time has not come shows the server's refusal; 今日预约 opens on the hospital's today (GET
    /api/scheduling/settings) and lists the day's appointments.
The department head (`head`) adds two booking rules through the API: a preparation rule for 胸部CT平扫 — its note is
shown after booking and printed first under the slip's 注意事项, before the desk's default for CT — and a merge rule for
CT items of one patient: booking 孙红's chest CT offers her second order's head CT (可与以下项目合并预约 … （规则：…）),
and 合并预约 books both in one visit (POST /appointments/together; the API then shows both items booked on one date in
the chosen queue). An item's appointment is looked up with one request (GET /appointments?orderItemId=).
Screenshots: Tests/e2e/artifacts/100-registration-scan.png … 115-registration-merged.png.
"""

import datetime
import os
import shutil
import subprocess
import tempfile
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import ARTIFACTS, css_testid, screenshot, wait_visible, wait_gone, wait_text, within
from test_viewer import BIN, DEMO_PASSWORD, HEAD_PASSWORD, SLOW, wait_port

requests = pytest.importorskip("requests")
pydicom = pytest.importorskip("pydicom")

FINDSCU = "/usr/bin/findscu"
ZBARIMG = shutil.which("zbarimg") or "/usr/bin/zbarimg"
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(FINDSCU) and os.path.exists(ZBARIMG)),
                                reason="needs the server binary, DCMTK findscu and zbarimg (zbar-tools)")

HTTP_PORT = int(os.environ.get("YUNYING_REG_E2E_PORT", "19820"))
DICOM_PORT = HTTP_PORT + 1
ADMIN_PASSWORD = "Desk#Yunying2026"
REGISTRAR_PASSWORD = "Reg#Yunying2026x"
CARD = "6222020012345678"
PREP_NOTE = "检查前请携带近期胸片或CT片，便于对比"
CT_DEFAULT_PREP = "请携带既往影像资料；检查前取下项链、发夹、带金属的衣物；孕妇或可能怀孕者请提前告知。"


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
    data = tempfile.mkdtemp(prefix="yy-reg-e2e-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_AUTO_REGISTER="", YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        registrar = session(base, "registrar", DEMO_PASSWORD, REGISTRAR_PASSWORD)
        head = session(base, "head", DEMO_PASSWORD, HEAD_PASSWORD)
        yield {"base": base, "data": data, "registrar": registrar, "head": head}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def api(server, method, path, **kw):
    r = server["registrar"].request(method, server["base"] + path, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.text else None


def head_api(server, method, path, **kw):
    r = server["head"].request(method, server["base"] + path, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.text else None


def his_order(server, patient_id, name, card=None, item=("CT-CHEST", "胸部CT平扫")):
    patient = {"patientId": patient_id, "name": name, "sex": "F", "birthDate": "19800215"}
    if card:
        patient["cardNo"] = card
    return api(server, "POST", "/api/scheduling/orders", json={
        "patient": patient, "source": "outpatient", "channel": "his", "department": "呼吸内科", "requestingDoctor": "郑丽",
        "items": [{"itemCode": item[0], "itemName": item[1], "modality": "CT"}]})


def ct_queue(server):
    return next(q for q in api(server, "GET", "/api/scheduling/queues")["items"] if q["code"] == "CT1")


def appointments_of_item(server, item_id):
    """The item's live appointments (GET /api/scheduling/appointments filters by item)."""
    page = api(server, "GET", "/api/scheduling/appointments", params={"orderItemId": item_id, "pageSize": 200})
    assert all(e["appointment"]["orderItemId"] == item_id for e in page["items"])
    return [e for e in page["items"] if e["appointment"]["status"] in ("held", "booked", "checked-in")]


def sign_in(d, base):
    d.get(f"{base}/#/registration")
    wait_visible(d, "login-username", SLOW).send_keys("registrar")
    wait_visible(d, "login-password").send_keys(REGISTRAR_PASSWORD)
    wait_visible(d, "login-submit").click()
    wait_visible(d, "reg-search", SLOW)


def order_card(d, order_no):
    return WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: next(
        (c for c in drv.find_elements(By.CSS_SELECTOR, css_testid("reg-order")) if c.get_attribute("data-order-no") == order_no), None))


def item_row(card):
    return within(card, "reg-item")


def wait_row_actions(d, order_no, testid):
    """The item's actions appear once its appointment has been looked up."""
    return WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: (lambda rows: rows[0] if rows else None)(
        item_row(order_card(drv, order_no)).find_elements(By.CSS_SELECTOR, css_testid(testid))))


def decode_barcode(d, element, name):
    """Screenshot the element and read its barcode with zbarimg; returns the decoded text."""
    path = ARTIFACTS / name
    element.screenshot(str(path))
    r = subprocess.run([ZBARIMG, "-q", "--raw", "-Sdisable", "-Scode128.enable", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, f"zbarimg found no barcode in {path}: {r.stderr}"
    return r.stdout.strip()


def field_error(d, scope, name):
    return scope.find_element(By.CSS_SELECTOR, f'[data-testid="error-{name}"]')


def test_registration_desk(browser, server):
    d = browser
    base = server["base"]
    sun = his_order(server, "E2E-REG-01", "Sun^Hong=孙^红", card=CARD)
    qian = his_order(server, "E2E-REG-02", "Qian^Wei=钱^伟", item=("CT-HEAD", "头颅CT平扫"))
    queue = ct_queue(server)
    qian_item = qian["items"][0]["id"]
    option = api(server, "GET", f"/api/scheduling/queues/{queue['id']}/next-available", params={"orderItemId": qian_item})["items"][0]
    qian_booking = api(server, "POST", "/api/scheduling/appointments", json={"orderItemId": qian_item, "parts": option["parts"], "channel": "his"})
    qian_slot = option["parts"][0]["slotId"]
    settings = api(server, "GET", "/api/scheduling/settings")
    # The department head's preparation rule for chest CT (its note goes on the appointment and the slip).
    head_api(server, "POST", "/api/scheduling/rules", json={
        "name": "胸部CT准备", "kind": "preparation", "conditions": [{"field": "itemCode", "op": "eq", "value": "CT-CHEST"}],
        "message": PREP_NOTE, "active": True})

    def slot_used():
        return next(v["slot"]["used"] for v in api(server, "GET", f"/api/scheduling/queues/{queue['id']}/slots",
                                                   params={"from": option["date"], "to": option["date"]})["items"] if v["slot"]["id"] == qian_slot)

    # ---- a card reader: the number and Enter, into the field that has the focus on load
    sign_in(d, base)
    assert d.switch_to.active_element.get_attribute("data-testid") == "reg-search", "the search field has the focus"
    d.switch_to.active_element.send_keys(CARD + Keys.ENTER)
    card = order_card(d, sun["orderNo"])
    assert within(card, "reg-patient-name").text == "孙红"
    assert within(item_row(card), "reg-item-status").text == "待预约"
    wait_text(d, "reg-summary", "共 1 张申请单")
    screenshot(d, "100-registration-scan.png")

    # ---- 新建申请单: the desk's checks, then the server's, under their fields
    wait_visible(d, "reg-new-order").click()
    dialog = wait_visible(d, "reg-order-dialog")
    within(dialog, "modal-submit").click()
    for name in ("patient.patientId", "patient.name", "items[0].itemCode"):
        WebDriverWait(d, 5).until(lambda _: field_error(d, dialog, name).is_displayed())
    assert field_error(d, dialog, "patient.name").text == "此项为必填项"
    within(dialog, "reg-f-patientId").send_keys("E2E-REG-03")
    within(dialog, "reg-f-name").send_keys("周敏")
    Select(within(dialog, "reg-f-sex")).select_by_value("F")
    within(dialog, "reg-f-phone").send_keys("13905710021")
    within(dialog, "reg-f-idCard").send_keys("33010219850621002")  # 17 digits: the server's rule
    within(dialog, "reg-f-department").send_keys("呼吸内科")
    within(dialog, "reg-f-requestingDoctor").send_keys("郑丽")
    within(dialog, "reg-f-diagnosis").send_keys("咳嗽两周，排除肺部感染")
    Select(within(dialog, "reg-f-item-modality")).select_by_value("CT")
    Select(within(dialog, "reg-f-item-pick")).select_by_value("CT-CHEST")
    assert within(dialog, "reg-f-item-name").get_attribute("value") == "胸部CT平扫"
    within(dialog, "modal-submit").click()
    WebDriverWait(d, SLOW).until(lambda _: field_error(d, dialog, "patient.idCard").is_displayed())
    assert field_error(d, dialog, "patient.idCard").text == "身份证号应为 18 位"
    assert not field_error(d, dialog, "patient.name").is_displayed()
    screenshot(d, "101-registration-field-error.png")
    id_card = within(dialog, "reg-f-idCard")
    id_card.clear()
    id_card.send_keys("33010219850621002X")  # the check character should be 3: the desk says so
    within(dialog, "modal-submit").click()
    WebDriverWait(d, 5).until(lambda _: "校验位" in field_error(d, dialog, "patient.idCard").text)
    id_card.send_keys(Keys.CONTROL, "a")
    id_card.send_keys(Keys.DELETE)
    within(dialog, "modal-submit").click()
    wait_gone(d, "reg-order-dialog", SLOW)
    created = WebDriverWait(d, SLOW).until(lambda drv: next(
        (c for c in drv.find_elements(By.CSS_SELECTOR, css_testid("reg-order")) if within(c, "reg-patient-name").text == "周敏"), None))
    order_no = created.get_attribute("data-order-no")
    assert order_no.startswith("SQ")

    # ---- 预约: next available CT time, the day grid, a double click books once
    within(item_row(created), "reg-book").click()
    dialog = wait_visible(d, "reg-book-dialog")
    assert Select(within(dialog, "reg-queue")).first_selected_option.text == "CT 1 号机"
    first = WebDriverWait(d, SLOW).until(lambda _: dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-option")))[0]
    WebDriverWait(d, SLOW).until(lambda _: dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-slot")))
    slots = dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-slot"))
    assert all("/" in within(s, "reg-slot-usage").text for s in slots)
    refused = [s for s in slots if s.get_attribute("aria-disabled") == "true"]
    # Slots whose time has passed today carry the server's reason.
    for s in refused:
        assert within(s, "reg-slot-reason").text
    first.click()
    assert first.get_attribute("aria-pressed") == "true"
    when = first.get_attribute("data-date"), first.get_attribute("data-start")
    wait_text(d, "reg-chosen", when[1])
    screenshot(d, "102-registration-book.png")
    ActionChains(d).double_click(within(dialog, "reg-book-submit")).perform()
    wait_gone(d, "reg-book-dialog", SLOW)
    # After booking: the department's preparation note, to tell the patient.
    booked = wait_visible(d, "reg-booked", SLOW)
    assert [li.text for li in within(booked, "reg-booked-prep").find_elements(By.TAG_NAME, "li")] == [PREP_NOTE]
    screenshot(d, "102-registration-booked-prep.png")
    within(booked, "reg-booked-done").click()
    wait_gone(d, "reg-booked")
    order = api(server, "GET", "/api/scheduling/orders", params={"q": order_no})["items"][0]
    item_id = order["items"][0]["id"]
    assert order["items"][0]["status"] == "booked"
    live = appointments_of_item(server, item_id)
    assert len(live) == 1, "a double click books once"
    assert order["items"][0]["appointmentId"] == live[0]["appointment"]["id"]
    assert live[0]["appointment"]["preparations"] == [PREP_NOTE]
    wait_row_actions(d, order_no, "reg-check-in")
    assert within(item_row(order_card(d, order_no)), "reg-item-status").text == "已预约"
    assert when[1] in within(item_row(order_card(d, order_no)), "reg-appt-when").text
    screenshot(d, "103-registration-booked.png")

    # ---- the label before registration carries the order number
    wait_row_actions(d, order_no, "reg-print-label").click()
    dialog = wait_visible(d, "reg-print-dialog")
    assert decode_barcode(d, within(dialog, "reg-label"), "104-registration-label-order.png") == order_no
    within(dialog, "reg-print-close").click()
    wait_gone(d, "reg-print-dialog")

    # ---- the appointment slip
    wait_row_actions(d, order_no, "reg-print-slip").click()
    dialog = wait_visible(d, "reg-print-dialog")
    slip = within(dialog, "reg-slip")
    assert within(slip, "reg-slip-order").text == order_no and within(slip, "reg-slip-queue").text == "CT 1 号机"
    assert within(slip, "reg-slip-item").text.startswith("胸部CT平扫")
    assert within(slip, "reg-slip-time").text == when[1]
    # 注意事项: the rule's note first, then the desk's default for CT.
    lines = [p.text for p in slip.find_elements(By.CSS_SELECTOR, css_testid("reg-slip-prep-line"))]
    assert lines == [PREP_NOTE, CT_DEFAULT_PREP], lines
    screenshot(d, "105-registration-slip.png")
    # The page as printed holds the slip with the note.
    d.execute_script("window.print = () => {};")
    within(dialog, "reg-print-go").click()
    printed = d.find_element(By.ID, "reg-print-root")
    assert PREP_NOTE in printed.get_attribute("textContent")
    d.execute_script("window.dispatchEvent(new Event('afterprint'))")
    within(dialog, "reg-print-close").click()
    wait_gone(d, "reg-print-dialog")

    # ---- 登记: the exam number, on a label that decodes to it
    wait_row_actions(d, order_no, "reg-check-in").click()
    done = wait_visible(d, "reg-checked-in", SLOW)
    accession = within(done, "reg-accession").text
    assert accession.startswith("CT") and len(accession) == 12, accession
    screenshot(d, "106-registration-checked-in.png")
    within(done, "reg-checked-in-label").click()
    dialog = wait_visible(d, "reg-print-dialog")
    label = within(dialog, "reg-label")
    assert within(label, "reg-label-code").text == accession
    assert decode_barcode(d, label, "107-registration-label.png") == accession
    # Printing: the page as printed holds the label alone.
    d.execute_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    within(dialog, "reg-print-go").click()
    assert d.execute_script("return window.__printed") == 1
    # Printed at its real size (60 × 40 mm) the bars are ~1.3 px wide on a 96 dpi screen: look at it as a 300 dpi printer would.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1440, "height": 900, "deviceScaleFactor": 3, "mobile": False})
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = d.execute_script("""
            return [...document.body.children].filter(el => getComputedStyle(el).display !== 'none').map(el => el.id || el.tagName);""")
        assert shown == ["reg-print-root"], shown
        root = d.find_element(By.ID, "reg-print-root")
        assert decode_barcode(d, root.find_element(By.CSS_SELECTOR, ".reg-label"), "108-registration-label-print.png") == accession
    finally:
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    d.execute_script("window.dispatchEvent(new Event('afterprint'))")
    within(dialog, "reg-print-close").click()
    wait_gone(d, "reg-print-dialog")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: within(item_row(order_card(drv, order_no)), "reg-item-accession").text == accession)
    assert within(item_row(order_card(d, order_no)), "reg-item-status").text == "已登记"

    # ---- the modality worklist has the exam under that accession number
    out = tempfile.mkdtemp(prefix="yy-reg-wl-")
    try:
        r = subprocess.run([FINDSCU, "-W", "-aet", "CT01", "-aec", "YUNYING", "-X", "-od", out, "-k", f"AccessionNumber={accession}",
                            "-k", "PatientID", "-k", "PatientName", "-k", "ScheduledProcedureStepSequence[0].ScheduledStationAETitle",
                            "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate", "127.0.0.1", str(DICOM_PORT)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        found = [pydicom.dcmread(os.path.join(out, f)) for f in sorted(os.listdir(out)) if f.startswith("rsp")]
        assert len(found) == 1, r.stderr
        assert found[0].AccessionNumber == accession and found[0].PatientID == "E2E-REG-03"
        step = found[0].ScheduledProcedureStepSequence[0]
        assert step.ScheduledStationAETitle == "CT01" and step.ScheduledProcedureStepStartDate == when[0].replace("-", "")
    finally:
        shutil.rmtree(out, ignore_errors=True)

    # ---- 爽约 before the time: the server's refusal is shown
    search = wait_visible(d, "reg-search")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys("钱伟" + Keys.ENTER)
    order_card(d, qian["orderNo"])
    qian_start = datetime.datetime.strptime(f"{option['date']} {option['startTime']}", "%Y-%m-%d %H:%M")
    wait_row_actions(d, qian["orderNo"], "reg-no-show").click()
    wait_visible(d, "confirm-ok").click()
    wait_text(d, "toast-error", "预约时间未到")
    screenshot(d, "109-registration-no-show-refused.png")
    assert qian_start  # the demo books from today on, so the booking's time is still to come

    # ---- 取消 with a reason: the slot's use drops by one
    used_before = slot_used()
    wait_row_actions(d, qian["orderNo"], "reg-cancel").click()
    dialog = wait_visible(d, "reg-cancel-dialog")
    within(dialog, "modal-submit").click()
    WebDriverWait(d, 5).until(lambda _: field_error(d, dialog, "reason").is_displayed())
    Select(within(dialog, "reg-cancel-reason")).select_by_value("patient")
    within(dialog, "reg-cancel-note").send_keys("患者电话告知出差")
    screenshot(d, "110-registration-cancel.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "reg-cancel-dialog", SLOW)
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: within(item_row(order_card(drv, qian["orderNo"])), "reg-item-status").text == "待预约")
    cancelled = api(server, "GET", f"/api/scheduling/appointments/{qian_booking['id']}")
    assert cancelled["status"] == "cancelled"
    within(item_row(order_card(d, qian["orderNo"])), "reg-book").click()
    dialog = wait_visible(d, "reg-book-dialog")
    d.execute_script("const el = arguments[0]; el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));",
                     within(dialog, "reg-grid-date"), option["date"])
    cell = WebDriverWait(d, SLOW).until(lambda _: next(
        (s for s in dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-slot")) if s.get_attribute("data-slot-id") == str(qian_slot)), None))
    usage = within(cell, "reg-slot-usage").text
    assert usage.startswith(f"已约 {used_before - 1}/"), (usage, used_before)
    screenshot(d, "111-registration-slot-freed.png")
    # Too far ahead: every slot says from when it opens (the server's reason, in Chinese).
    far = (datetime.date.fromisoformat(option["date"]) + datetime.timedelta(days=40)).isoformat()
    d.execute_script("const el = arguments[0]; el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));",
                     within(dialog, "reg-grid-date"), far)
    WebDriverWait(d, SLOW).until(lambda _: dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-slot-reason")))
    reasons = [r.text for r in dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-slot-reason"))]
    assert reasons and all("起才开放预约" in r for r in reasons), reasons
    screenshot(d, "111-registration-not-open-yet.png")
    within(dialog, "reg-book-cancel").click()
    wait_gone(d, "reg-book-dialog")

    # ---- 合并预约: a merge rule proposes 孙红's second CT order; both are booked in one visit
    head_api(server, "POST", "/api/scheduling/rules", json={
        "name": "同日CT合并", "kind": "merge", "conditions": [{"field": "modality", "op": "eq", "value": "CT"}],
        "params": {"sameFields": ["source"], "maxDays": 1}, "message": "同一患者的CT检查尽量一次完成", "active": True})
    sun2 = his_order(server, "E2E-REG-01", "Sun^Hong=孙^红", card=CARD, item=("CT-HEAD", "头颅CT平扫"))
    sun_items = [sun["items"][0]["id"], sun2["items"][0]["id"]]
    proposals = api(server, "GET", f"/api/scheduling/order-items/{sun_items[0]}/merge-candidates")["items"]
    assert [p["orderItemId"] for p in proposals] == [sun_items[1]], proposals
    search = wait_visible(d, "reg-search")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(CARD + Keys.ENTER)
    order_card(d, sun2["orderNo"])
    within(item_row(order_card(d, sun["orderNo"])), "reg-book").click()
    dialog = wait_visible(d, "reg-book-dialog")
    merge = wait_visible(d, "reg-merge", SLOW)
    assert within(merge, "reg-merge-text").text == "可与以下项目合并预约：头颅CT平扫（规则：同日CT合并）"
    proposed = merge.find_elements(By.CSS_SELECTOR, css_testid("reg-merge-item"))
    assert [x.get_attribute("data-item-id") for x in proposed] == [str(sun_items[1])]
    assert sun2["orderNo"] in proposed[0].text and "同一患者的CT检查尽量一次完成" in proposed[0].text
    WebDriverWait(d, SLOW).until(lambda _: dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-option")))
    screenshot(d, "113-registration-merge-offer.png")
    within(merge, "reg-merge-submit").click()
    wait_gone(d, "reg-book-dialog", SLOW)
    booked = wait_visible(d, "reg-booked", SLOW)
    assert len(booked.find_elements(By.CSS_SELECTOR, css_testid("reg-booked-when"))) == 2
    assert PREP_NOTE in within(booked, "reg-booked-prep").text
    screenshot(d, "114-registration-merged-prep.png")
    within(booked, "reg-booked-done").click()
    wait_gone(d, "reg-booked")
    together = [appointments_of_item(server, i) for i in sun_items]
    assert all(len(x) == 1 for x in together), together
    a, b = (x[0]["appointment"] for x in together)
    assert a["date"] == b["date"] and a["queueId"] == b["queueId"] == queue["id"] and a["status"] == b["status"] == "booked"
    for order_no in (sun["orderNo"], sun2["orderNo"]):
        WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda drv: within(item_row(order_card(drv, order_no)), "reg-item-status").text == "已预约")
    wait_row_actions(d, sun2["orderNo"], "reg-check-in")
    assert a["date"] in within(item_row(order_card(d, sun2["orderNo"])), "reg-appt-when").text
    screenshot(d, "115-registration-merged.png")

    # ---- 今日预约: the hospital's today first, then the day's list with the desk's booking
    wait_visible(d, "reg-tab-day").click()
    wait_visible(d, "reg-day-table", SLOW)
    assert wait_visible(d, "reg-day-date").get_attribute("value") == settings["today"]
    d.execute_script("const el = arguments[0]; el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));",
                     wait_visible(d, "reg-day-date"), when[0])
    WebDriverWait(d, SLOW).until(lambda drv: any(within(r, "reg-day-accession").text == accession
                                                 for r in drv.find_elements(By.CSS_SELECTOR, css_testid("reg-day-row"))))
    Select(wait_visible(d, "reg-day-status")).select_by_value("checked-in")
    WebDriverWait(d, SLOW).until(lambda drv: drv.find_elements(By.CSS_SELECTOR, css_testid("reg-day-row")) and all(
        within(r, "reg-day-status-badge").text == "已登记" for r in drv.find_elements(By.CSS_SELECTOR, css_testid("reg-day-row"))))
    screenshot(d, "112-registration-day.png")
    time.sleep(0.2)
