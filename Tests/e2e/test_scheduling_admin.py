"""Browser test of the booking pages other than the desk (issue #7 item 11): 预约日历, 号源管理, 检查号规则, 预约黑名单
and 预约统计.

Starts its own Yunying server from the prebuilt binary (.build/debug/yunying; `yunying demo` first, own data directory,
HTTP 19840 and DICOM 19841 unless YUNYING_SCHED_E2E_PORT says otherwise).

The department head (`head`, who holds registration.manage as well as scheduling.manage) does the administration in the
browser:
  - 号源管理: the precedence line, no warning about reading rights; 新建队列 CT9, then 编辑 (devices, name) checked against
    GET queues; 批量添加时段 08:00–12:00 every 30 minutes, capacity 4, with a 双胎 cap of 1 and a 预留 of 1 unit for the
    desk (人工窗口) released 2 hours before → eight 每日 templates (checked against GET templates); 设置节假日 院庆 on a day
    next week, listed by name; another holiday deleted after a confirmation (gone from GET holidays); 新建周期 and its
    deletion (gone from GET cycles); deleting the demo cycle its templates use shows the server's 409 message;
    重新生成号源 after a confirmation that says booked slots are kept;
  - 预约日历 opens on the server's today (GET /api/scheduling/settings); week view of next week (Monday 08:00 booked full
    through the API, one of them a twin pregnancy, 08:30 booked 3 of 4): the holiday column is closed (该日无号源) and
    named 院庆, every cell shows used/capacity as GET slots says, coloured 已满 / 紧张 / 空闲; a click on Monday 08:00
    opens the day with its four bookings, 双胎 1/1 and the desk reservation held; the holiday's day shows its name and the
    empty state; a working day shows the quota 双胎 0/1 and 人工窗口 预留 0/1;
  - 检查号规则: a rule of 17 characters gets the server's 16-character error under 前缀; 16 characters are saved and the
    table shows the example the server makes (GET exam-number-rules); deleting that rule (it has issued numbers) shows
    the server's in_use message, an unused rule is deleted;
  - 预约黑名单: a patient blacklisted through the API (four bookings into a slot a minute or two ahead, then four
    no-shows once it has started: the server refuses to book a past slot and to mark a future one) is lifted after a
    confirmation; GET blacklist is empty afterwards;
  - 预约统计: the table equals GET statistics for this month (the server's today), the chart is drawn, and 导出 Excel
    links to GET statistics/export.xlsx for the range (an .xlsx the head may download).
The registrar (`registrar`) sees the demo appointments in the calendar (names and statuses as GET appointments says)
and no 号源管理 / 检查号规则 in the navigation, and no 解除 on the blacklist.

Screenshots: Tests/e2e/artifacts/200-scheduling-*.png … 216-scheduling-*.png.
"""

import datetime
import os
import shutil
import subprocess
import tempfile
import time
from zoneinfo import ZoneInfo

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import css_testid, screenshot, wait_gone, wait_table_idle, wait_text, wait_visible, within
from test_viewer import BIN, DEMO_PASSWORD, HEAD_PASSWORD, SLOW, wait_port

requests = pytest.importorskip("requests")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason="needs the server binary")

HTTP_PORT = int(os.environ.get("YUNYING_SCHED_E2E_PORT", "19840"))
DICOM_PORT = HTTP_PORT + 1
ADMIN_PASSWORD = "Sched#Yunying2026"
REGISTRAR_PASSWORD = "Reg#Yunying2026x"
HOSPITAL = ZoneInfo("Asia/Shanghai")
TOO_LONG = "检查号最长 16 位"


def hospital_now():
    return datetime.datetime.now(HOSPITAL)


def session(base, username, password, new_password=None):
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    if new_password:
        c = s.post(base + "/api/me/password", json={"currentPassword": password, "newPassword": new_password})
        assert c.status_code in (200, 204), c.text
    return s


def prepare_no_shows(base, head, registrar):
    """Four bookings of one patient into a slot that starts a minute or two from now (hospital time), on a queue of its
    own. The no-shows are marked later, once the slot has started (see mark_no_shows)."""
    now = hospital_now()
    if now.hour == 23 and now.minute >= 50:  # keep the slot on one day
        time.sleep((60 - now.minute) * 60 - now.second + 5)
        now = hospital_now()
    start = (now + datetime.timedelta(minutes=2)).replace(second=0, microsecond=0)
    end = start + datetime.timedelta(minutes=5)
    today = start.date().isoformat()
    queue = head.post(base + "/api/scheduling/queues", json={"code": "BLQ", "name": "爽约测试", "modality": "CT", "department": "RAD",
                                                             "stationAETitle": "CT08"})
    assert queue.status_code == 201, queue.text
    qid = queue.json()["id"]
    t = head.post(base + f"/api/scheduling/queues/{qid}/templates", json={
        "kind": "date", "onDate": today, "startTime": start.strftime("%H:%M"), "endTime": end.strftime("%H:%M"), "capacity": 4})
    assert t.status_code == 201, t.text
    made = head.post(base + f"/api/scheduling/queues/{qid}/generate", json={"from": today, "days": 1})
    assert made.status_code == 200 and made.json()["made"] == 1, made.text
    slot = registrar.get(base + f"/api/scheduling/queues/{qid}/slots", params={"from": today, "to": today}).json()["items"][0]["slot"]
    order = registrar.post(base + "/api/scheduling/orders", json={
        "patient": {"patientId": "BL001", "name": "Qian^Duo=钱^多", "sex": "F", "birthDate": "19800808"}, "source": "outpatient",
        "channel": "his", "items": [{"itemCode": f"CT-{n}", "itemName": f"CT 检查 {n}", "modality": "CT"} for n in range(4)]})
    assert order.status_code == 201, order.text
    appointments = []
    for item in order.json()["items"]:
        b = registrar.post(base + "/api/scheduling/appointments", json={"orderItemId": item["id"], "slotId": slot["id"], "channel": "desk"})
        assert b.status_code == 201, b.text
        appointments.append(b.json()["id"])
    return {"appointments": appointments, "starts": start}


def mark_no_shows(base, registrar, prepared):
    wait = (prepared["starts"] - hospital_now()).total_seconds() + 2
    if wait > 0:
        time.sleep(wait)
    for a in prepared["appointments"]:
        r = registrar.post(base + f"/api/scheduling/appointments/{a}/no-show")
        assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-sched-e2e-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4", YUNYING_TIMEZONE="Asia/Shanghai",
               YUNYING_AUTO_REGISTER="", YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        admin = session(base, "admin", ADMIN_PASSWORD)
        head = session(base, "head", DEMO_PASSWORD, HEAD_PASSWORD)
        registrar = session(base, "registrar", DEMO_PASSWORD, REGISTRAR_PASSWORD)
        assert admin.get(base + "/api/me").status_code == 200
        me = head.get(base + "/api/me").json()
        assert {"registration.manage", "scheduling.manage"} <= set(me["permissions"]), me["permissions"]
        assert head.get(base + "/api/scheduling/queues").status_code == 200
        settings = head.get(base + "/api/scheduling/settings").json()
        assert settings["timeZone"] == "Asia/Shanghai" and settings["today"] == hospital_now().date().isoformat(), settings
        prepared = prepare_no_shows(base, head, registrar)
        yield {"base": base, "head": head, "registrar": registrar, "no_shows": prepared, "settings": settings}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- page helpers


def sign_in(d, base, username, password, route):
    d.get(f"{base}/#{route}")
    wait_visible(d, "login-username", SLOW).send_keys(username)
    wait_visible(d, "login-password").send_keys(password)
    wait_visible(d, "login-submit").click()
    wait_visible(d, "page-title", SLOW)


def go(d, base, route):
    d.get(f"{base}/#{route}")
    d.refresh()  # the hash alone does not reload when only the query differs


def set_value(d, element, value):
    """Date and time inputs: type-independent of the browser's locale."""
    d.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, value)


def field_input(dialog, name):
    return dialog.find_element(By.CSS_SELECTOR, f'[data-field="{name}"] input, [data-field="{name}"] select')


def type_into(element, text):
    element.clear()
    element.send_keys(text)


def nav_ids(d):
    return [e.get_attribute("data-testid")[4:] for e in d.find_elements(By.CSS_SELECTOR, '.sidebar-nav a[data-testid^="nav-"]')]


def wait_week(d):
    wait_visible(d, "sched-week-table", SLOW)
    WebDriverWait(d, SLOW).until(lambda drv: drv.find_elements(By.CSS_SELECTOR, '[data-testid="sched-body"]:not([aria-busy="true"])'))


def book_into(base, registrar, queue_id, date, start, patient_id, name, items, twin=False):
    """An order of `items` CT items (the first a twin pregnancy when asked) booked into one slot at the desk."""
    slot = next(x["slot"] for x in registrar.get(base + f"/api/scheduling/queues/{queue_id}/slots", params={"from": date, "to": date}).json()["items"]
                if x["slot"]["startTime"] == start)
    order = registrar.post(base + "/api/scheduling/orders", json={
        "patient": {"patientId": patient_id, "name": name, "sex": "F", "birthDate": "19900101"}, "source": "outpatient", "channel": "his",
        "items": [{"itemCode": f"X{n}", "itemName": "产科超声" if twin and n == 0 else f"CT 检查 {n}", "modality": "CT",
                   "orderType": "双胎" if twin and n == 0 else ""} for n in range(items)]})
    assert order.status_code == 201, order.text
    for item in order.json()["items"]:
        b = registrar.post(base + "/api/scheduling/appointments", json={"orderItemId": item["id"], "slotId": slot["id"], "channel": "desk"})
        assert b.status_code == 201, b.text


def next_week_wednesday():
    today = hospital_now().date()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7)
    return monday + datetime.timedelta(days=2)


# ---------------------------------------------------------------- tests


def test_head_sets_up_a_queue_and_runs_the_rules(browser, server):
    d = browser
    base, head, registrar = server["base"], server["head"], server["registrar"]
    sign_in(d, base, "head", HEAD_PASSWORD, "/sched-slots")
    ids = nav_ids(d)
    for item in ("schedCalendar", "schedSlots", "schedNumbers", "schedBlacklist", "schedStats"):
        assert item in ids, ids
    group = wait_visible(d, "nav-group-scheduling")
    assert group.text.split("\n")[0] == "预约", group.text

    # 号源管理: the precedence rule in words, the demo queues; the head may read, so no warning.
    assert "指定日期 > 节假日 > 周期 > 星期 > 每日" in wait_visible(d, "sched-precedence").text
    assert not d.find_elements(By.CSS_SELECTOR, css_testid("sched-read-notice"))
    wait_table_idle(d, "sched-queues")
    codes = [e.text for e in d.find_elements(By.CSS_SELECTOR, css_testid("sched-queue-code"))]
    assert {"CT1", "MR1", "DR1", "US1", "BLQ"} <= set(codes), codes
    screenshot(d, "200-scheduling-slots.png")

    # 新建队列
    wait_visible(d, "sched-new-queue").click()
    dialog = wait_visible(d, "sched-queue-dialog")
    type_into(field_input(dialog, "code"), "CT9")
    type_into(field_input(dialog, "name"), "CT 9 号机")
    Select(field_input(dialog, "modality")).select_by_value("CT")
    type_into(field_input(dialog, "department"), "RAD")
    type_into(field_input(dialog, "stationAETitle"), "ct09")
    within(dialog, "modal-submit").click()
    wait_gone(d, "sched-queue-dialog")
    wait_text(d, "sched-templates-title", "CT 9 号机（CT9）")
    queue = next(q for q in head.get(base + "/api/scheduling/queues").json()["items"] if q["code"] == "CT9")
    assert queue["stationAETitle"] == "CT09" and queue["modality"] == "CT" and queue["department"] == "RAD"
    assert wait_visible(d, "sched-templates-empty")

    # 编辑 the queue: devices and name (code and modality stay), through PUT /api/scheduling/queues/{id}.
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, css_testid("sched-queue-row")) if r.get_attribute("data-code") == "CT9")
    within(row, "sched-queue-edit").click()
    dialog = wait_visible(d, "sched-queue-dialog")
    assert field_input(dialog, "code").get_attribute("readonly") is not None and not field_input(dialog, "modality").is_enabled()
    type_into(field_input(dialog, "name"), "CT 9 号机")
    type_into(field_input(dialog, "devices"), "GE Revolution Apex")
    screenshot(d, "200-scheduling-queue-edit.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "sched-queue-dialog")
    wait_text(d, "toast-success", "已保存队列 CT9")
    queue = next(q for q in head.get(base + "/api/scheduling/queues").json()["items"] if q["code"] == "CT9")
    assert queue["devices"] == "GE Revolution Apex" and queue["active"] and queue["stationAETitle"] == "CT09"
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: any(
        r.get_attribute("data-code") == "CT9" and "GE Revolution Apex" in r.text for r in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-queue-row"))))

    # 批量添加时段: 08:00–12:00 every 30 minutes, capacity 4, at most one twin pregnancy per slot.
    wait_visible(d, "sched-add-run").click()
    dialog = wait_visible(d, "sched-run-dialog")
    Select(field_input(dialog, "kind")).select_by_value("daily")
    set_value(d, field_input(dialog, "startTime"), "08:00")
    set_value(d, field_input(dialog, "endTime"), "12:00")
    type_into(field_input(dialog, "every"), "30")
    type_into(field_input(dialog, "capacity"), "4")
    within(dialog, "sched-quota-add").click()
    row = within(dialog, "sched-quota-row")
    Select(row.find_element(By.NAME, "q-dimension")).select_by_value("orderType")
    type_into(row.find_element(By.NAME, "q-value"), "双胎")
    type_into(row.find_element(By.NAME, "q-max"), "1")
    # A reservation: one unit kept for the desk (人工窗口) until 2 hours before the slot.
    within(dialog, "sched-quota-add").click()
    row = dialog.find_elements(By.CSS_SELECTOR, css_testid("sched-quota-row"))[1]
    Select(row.find_element(By.NAME, "q-kind")).select_by_value("reserve")
    Select(row.find_element(By.NAME, "q-dimension")).select_by_value("channelGroup")
    Select(row.find_element(By.NAME, "q-group")).select_by_value("desk")
    assert not row.find_element(By.NAME, "q-value").is_displayed()
    type_into(row.find_element(By.NAME, "q-max"), "1")
    type_into(row.find_element(By.NAME, "q-hours"), "2")
    assert "释放时间（检查前 N 小时）" in row.text
    set_value(d, field_input(dialog, "endTime"), "12:00")  # refresh the preview
    assert "将添加 8 个时段：08:00–08:30 … 11:30–12:00" in within(dialog, "sched-run-preview").text
    screenshot(d, "201-scheduling-run-dialog.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "sched-run-dialog", SLOW)
    wait_visible(d, "sched-kind-daily")
    rows = d.find_elements(By.CSS_SELECTOR, css_testid("sched-template-row"))
    assert [r.get_attribute("data-start") for r in rows] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert all("检查类型「双胎」≤ 1" in r.text and "渠道分组「人工窗口」预留 1（检查前 2 小时释放）" in r.text for r in rows)
    templates = head.get(base + f"/api/scheduling/queues/{queue['id']}/templates").json()["items"]
    assert len(templates) == 8
    assert all(t["kind"] == "daily" and t["capacity"] == 4 and t["quotas"] == [
        {"dimension": "orderType", "value": "双胎", "max": 1},
        {"dimension": "channelGroup", "value": "desk", "max": 1, "reserve": True, "releaseHoursBefore": 2}] for t in templates), templates[0]
    screenshot(d, "202-scheduling-templates.png")

    # 设置节假日 on next week's Wednesday (the dialog also remakes that day of every queue).
    holiday = next_week_wednesday().isoformat()
    wait_visible(d, "sched-set-holiday").click()
    dialog = wait_visible(d, "sched-holiday-dialog")
    set_value(d, field_input(dialog, "date"), holiday)
    type_into(field_input(dialog, "name"), "院庆")
    within(dialog, "modal-submit").click()
    wait_gone(d, "sched-holiday-dialog", SLOW)
    wait_text(d, "toast-success", f"已将 {holiday} 设为节假日")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: any(
        x.get_attribute("data-date") == holiday and within(x, "sched-holiday-name").text == "院庆" for x in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-holiday"))))

    # Another holiday (set through the API) is deleted after a confirmation.
    extra = (next_week_wednesday() + datetime.timedelta(days=35)).isoformat()
    assert head.put(base + f"/api/scheduling/holidays/{extra}", json={"name": "临时停诊"}).status_code in (200, 204)
    go(d, base, f"/sched-slots?queue={queue['id']}")
    item = WebDriverWait(d, SLOW).until(lambda drv: next((x for x in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-holiday")) if x.get_attribute("data-date") == extra), None))
    assert within(item, "sched-holiday-name").text == "临时停诊"
    screenshot(d, "213-scheduling-holidays-cycles.png")
    within(item, "sched-holiday-delete").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert extra in confirm.text and "临时停诊" in confirm.text
    within(confirm, "confirm-ok").click()
    wait_text(d, "toast-success", f"已删除节假日 {extra}")
    WebDriverWait(d, SLOW).until(lambda drv: not [x for x in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-holiday")) if x.get_attribute("data-date") == extra])
    listed = head.get(base + "/api/scheduling/holidays", params={"from": holiday, "to": extra}).json()["items"]
    assert (holiday, "院庆") in [(x["date"], x["name"]) for x in listed] and extra not in [x["date"] for x in listed], listed

    # 新建周期, then delete it; the demo cycle its templates use cannot go (the server's 409 message).
    wait_visible(d, "sched-new-cycle").click()
    dialog = wait_visible(d, "sched-cycle-dialog")
    type_into(field_input(dialog, "name"), "冬季作息")
    type_into(field_input(dialog, "startMD"), "11-01")
    type_into(field_input(dialog, "endMD"), "03-31")
    within(dialog, "modal-submit").click()
    wait_gone(d, "sched-cycle-dialog")
    winter = WebDriverWait(d, SLOW).until(lambda drv: next((c for c in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-cycle")) if c.get_attribute("data-name") == "冬季作息"), None))
    assert "冬季作息（11-01 至 03-31）" in winter.text and "0 个模板" in winter.text
    cycles = head.get(base + "/api/scheduling/cycles").json()["items"]
    assert {"夏季作息", "冬季作息"} <= {c["name"] for c in cycles}
    within(winter, "sched-cycle-delete").click()
    within(wait_visible(d, "confirm-dialog"), "confirm-ok").click()
    wait_text(d, "toast-success", "已删除周期「冬季作息」")
    WebDriverWait(d, SLOW).until(lambda drv: not [c for c in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-cycle")) if c.get_attribute("data-name") == "冬季作息"])
    assert "冬季作息" not in {c["name"] for c in head.get(base + "/api/scheduling/cycles").json()["items"]}
    summer = next(c for c in d.find_elements(By.CSS_SELECTOR, css_testid("sched-cycle")) if c.get_attribute("data-name") == "夏季作息")
    within(summer, "sched-cycle-delete").click()
    within(wait_visible(d, "confirm-dialog"), "confirm-ok").click()
    wait_text(d, "toast-error", "该周期仍有号源模板使用")
    screenshot(d, "214-scheduling-cycle-in-use.png")
    assert "夏季作息" in {c["name"] for c in head.get(base + "/api/scheduling/cycles").json()["items"]}

    # 重新生成号源, after a confirmation that booked slots are kept.
    wait_visible(d, "sched-generate").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert "已有预约的时段保持不变" in confirm.text, confirm.text
    screenshot(d, "203-scheduling-regenerate-confirm.png")
    within(confirm, "confirm-ok").click()
    wait_text(d, "toast-success", "已生成")

    # Next Monday fills up a little through the API: 08:00 full (4 of 4, one twin pregnancy), 08:30 tight (3 of 4).
    monday = (next_week_wednesday() - datetime.timedelta(days=2)).isoformat()
    sunday = (next_week_wednesday() + datetime.timedelta(days=4)).isoformat()
    book_into(base, registrar, queue["id"], monday, "08:00", "FULL01", "Sun^Yue=孙^悦", 4, twin=True)
    book_into(base, registrar, queue["id"], monday, "08:30", "TIGHT01", "Li^Na=李^娜", 3)

    # 预约日历 opens on the server's today.
    go(d, base, f"/sched-calendar?queue={queue['id']}")
    wait_visible(d, "sched-day-title", SLOW)
    assert wait_visible(d, "sched-date").get_attribute("value") == server["settings"]["today"]
    assert wait_visible(d, "sched-today-tag").text == "今天"

    # 预约日历, week view of next week: the holiday closed and named, capacities as GET slots says.
    go(d, base, f"/sched-calendar?queue={queue['id']}&date={holiday}&view=week")
    wait_week(d)
    slots = [x["slot"] for x in head.get(base + f"/api/scheduling/queues/{queue['id']}/slots", params={"from": monday, "to": sunday}).json()["items"]]
    assert slots and holiday not in {s["date"] for s in slots}
    assert len(slots) == 6 * 8, "eight slots on each day but the holiday"
    by_key = {(s["date"], s["startTime"]): s for s in slots}
    days = d.find_elements(By.CSS_SELECTOR, css_testid("sched-week-day"))
    assert [x.get_attribute("data-date") for x in days][0] == monday
    closed = [x.get_attribute("data-date") for x in days if x.get_attribute("data-open") == "false"]
    assert closed == [holiday], closed
    holiday_head = next(x for x in days if x.get_attribute("data-date") == holiday)
    assert "该日无号源" in holiday_head.text
    assert within(holiday_head, "sched-week-holiday").text == "院庆"
    assert not [x for x in days if x.get_attribute("data-date") != holiday and x.find_elements(By.CSS_SELECTOR, css_testid("sched-week-holiday"))]
    cells = d.find_elements(By.CSS_SELECTOR, css_testid("sched-week-cell"))
    assert len(cells) == 7 * 8
    for cell in cells:
        key = (cell.get_attribute("data-date"), cell.get_attribute("data-start"))
        if key[0] == holiday:
            assert cell.get_attribute("data-fill") == "closed" and "fill-closed" in cell.get_attribute("class")
            continue
        s = by_key[key]
        assert (int(cell.get_attribute("data-used")), int(cell.get_attribute("data-capacity"))) == (s["used"], s["capacity"])
        assert cell.text == f"{s['used']}/{s['capacity']}"
        fill = {(monday, "08:00"): "full", (monday, "08:30"): "tight"}.get(key, "free")
        assert s["capacity"] == 4 and cell.get_attribute("data-fill") == fill and f"fill-{fill}" in cell.get_attribute("class"), (key, fill)
    assert "本周已约 7 / 容量 192" in wait_visible(d, "sched-week-sum").text
    screenshot(d, "204-scheduling-week-holiday.png")

    # A click on a cell opens its day: Monday's patients, and the twin quota used up at 08:00.
    next(c for c in cells if c.get_attribute("data-date") == monday and c.get_attribute("data-start") == "08:00").click()
    wait_visible(d, "sched-day-table", SLOW)
    first = d.find_elements(By.CSS_SELECTOR, css_testid("sched-slot-row"))[0]
    assert first.get_attribute("data-fill") == "full" and within(first, "sched-slot-use").text == "4/4"
    assert within(first, "sched-slot-quota").text == "双胎 1/1"
    reserve = first.find_element(By.CSS_SELECTOR, '[data-testid="sched-slot-quota"][data-kind="reserve"]')
    assert reserve.text == "人工窗口 预留 1/1 · 检查前 2 小时释放" and reserve.get_attribute("data-released") == "false"
    names = [e.text for e in first.find_elements(By.CSS_SELECTOR, css_testid("sched-appointment-name"))]
    assert names == ["孙悦"] * 4, names
    screenshot(d, "205-scheduling-day-full.png")
    wait_visible(d, "sched-view-week").click()
    wait_week(d)
    holiday_head = next(x for x in d.find_elements(By.CSS_SELECTOR, css_testid("sched-week-day")) if x.get_attribute("data-date") == holiday)

    # A click on the holiday's column opens its day: the empty state.
    holiday_head.find_element(By.TAG_NAME, "button").click()
    wait_visible(d, "sched-day-empty", SLOW)
    assert "该日无号源" in wait_visible(d, "sched-day-empty").text and "院庆" in wait_visible(d, "sched-day-empty").text
    assert wait_visible(d, "sched-day-holiday").text == "节假日：院庆"
    assert wait_visible(d, "sched-view-day").get_attribute("aria-pressed") == "true"
    screenshot(d, "205-scheduling-day-holiday-closed.png")
    # The next day is open: eight rows of 0/4 with the twin quota 0/1.
    wait_visible(d, "sched-next").click()
    wait_visible(d, "sched-day-table", SLOW)
    rows = d.find_elements(By.CSS_SELECTOR, css_testid("sched-slot-row"))
    assert len(rows) == 8
    assert all(within(r, "sched-slot-use").text == "0/4" and [q.text for q in r.find_elements(By.CSS_SELECTOR, css_testid("sched-slot-quota"))]
               == ["双胎 0/1", "人工窗口 预留 0/1 · 检查前 2 小时释放"] for r in rows)
    screenshot(d, "215-scheduling-day-reservation.png")

    # 检查号规则: 17 characters are refused at 前缀 by the server; 16 are saved and the table shows the server's example.
    go(d, base, "/sched-numbers")
    wait_table_idle(d, "sched-rules")
    wait_visible(d, "sched-rule-new").click()
    dialog = wait_visible(d, "sched-rule-dialog")
    type_into(field_input(dialog, "department"), "RAD")
    type_into(field_input(dialog, "modality"), "CT")
    type_into(field_input(dialog, "prefix"), "CTX")
    Select(field_input(dialog, "dateFormat")).select_by_value("yyyyMMdd")
    type_into(field_input(dialog, "sequenceLength"), "6")
    assert "共 17 位" in within(dialog, "sched-rule-preview").text
    within(dialog, "modal-submit").click()
    error = wait_visible(d, "error-prefix")
    assert TOO_LONG in error.text and "17" in error.text, error.text
    screenshot(d, "206-scheduling-rule-too-long.png")
    type_into(field_input(dialog, "sequenceLength"), "5")
    Select(field_input(dialog, "reset")).select_by_value("monthly")
    within(dialog, "modal-submit").click()
    wait_gone(d, "sched-rule-dialog")
    wait_text(d, "toast-success", "已保存")
    rules = head.get(base + "/api/scheduling/exam-number-rules").json()["items"]
    rule = next(r for r in rules if r["department"] == "RAD" and r["modality"] == "CT")
    assert rule["prefix"] == "CTX" and rule["sequenceLength"] == 5 and rule["reset"] == "monthly" and len(rule["example"]) == 16
    wait_table_idle(d, "sched-rules")
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, css_testid("sched-rule-row")) if r.get_attribute("data-modality") == "CT")
    assert within(row, "sched-rule-example").text == rule["example"]
    assert "每月" in row.text
    screenshot(d, "207-scheduling-rules.png")
    # That rule has issued exam numbers (the demo registrations): the server refuses to delete it and says why.
    within(row, "sched-rule-delete").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert rule["example"] in confirm.text
    within(confirm, "confirm-ok").click()
    wait_text(d, "toast-error", "已发放过检查号")
    assert any(r["id"] == rule["id"] for r in head.get(base + "/api/scheduling/exam-number-rules").json()["items"])
    # An unused rule goes.
    unused = head.put(base + "/api/scheduling/exam-number-rules", json={"department": "RAD", "modality": "MG", "prefix": "MG", "dateFormat": "yyMMdd",
                                                                        "sequenceLength": 4, "suffix": "", "reset": "daily"})
    assert unused.status_code == 200, unused.text
    go(d, base, "/sched-numbers")
    wait_table_idle(d, "sched-rules")
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, css_testid("sched-rule-row")) if r.get_attribute("data-modality") == "MG")
    within(row, "sched-rule-delete").click()
    within(wait_visible(d, "confirm-dialog"), "confirm-ok").click()
    wait_text(d, "toast-success", "已删除检查号规则")
    wait_table_idle(d, "sched-rules")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: "MG" not in [r.get_attribute("data-modality") for r in drv.find_elements(By.CSS_SELECTOR, css_testid("sched-rule-row"))])
    assert "MG" not in [r["modality"] for r in head.get(base + "/api/scheduling/exam-number-rules").json()["items"]]

    # 预约黑名单: four no-shows blacklist 钱多; 解除 after a confirmation.
    mark_no_shows(base, registrar, server["no_shows"])
    listed = head.get(base + "/api/scheduling/blacklist").json()["items"]
    assert [p["patientId"] for p in listed] == ["BL001"] and listed[0]["noShows"] == 4
    go(d, base, "/sched-blacklist")
    wait_table_idle(d, "sched-blacklist")
    row = wait_visible(d, "sched-bl-row")
    assert within(row, "sched-bl-name").text == "钱多" and within(row, "sched-bl-noshows").text == "4"
    assert "爽约 4 次" in row.text
    screenshot(d, "208-scheduling-blacklist.png")
    within(row, "sched-bl-lift").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert "钱多（BL001）" in confirm.text and "爽约次数清零" in confirm.text
    screenshot(d, "209-scheduling-blacklist-confirm.png")
    within(confirm, "confirm-ok").click()
    wait_text(d, "toast-success", "已解除 钱多 的预约黑名单")
    wait_visible(d, "empty-state")
    assert head.get(base + "/api/scheduling/blacklist").json()["items"] == []

    # 预约统计: this month by default, the same numbers as GET statistics, and the chart.
    go(d, base, "/sched-stats")
    wait_table_idle(d, "sched-stats-table")
    today = datetime.date.fromisoformat(server["settings"]["today"])
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    assert wait_visible(d, "sched-stats-from").get_attribute("value") == first.isoformat()
    assert wait_visible(d, "sched-stats-to").get_attribute("value") == last.isoformat()
    stats = head.get(base + "/api/scheduling/statistics", params={"from": first.isoformat(), "to": last.isoformat()}).json()["items"]
    shown = []
    for r in d.find_elements(By.CSS_SELECTOR, css_testid("sched-stats-row")):
        shown.append({"channel": within(r, "sched-stats-channel").get_attribute("data-channel"),
                      "bookings": int(within(r, "sched-stats-bookings").text), "checkedIn": int(within(r, "sched-stats-checkedin").text),
                      "noShows": int(within(r, "sched-stats-noshows").text), "cancelled": int(within(r, "sched-stats-cancelled").text)})
    assert shown == [{k: s[k] for k in ("channel", "bookings", "checkedIn", "noShows", "cancelled")} for s in stats]
    desk = next(s for s in stats if s["channel"] == "desk")
    assert desk["noShows"] >= 4
    total = wait_visible(d, "sched-stats-total")
    assert within(total, "sched-stats-bookings").text == str(sum(s["bookings"] for s in stats))
    bars = wait_visible(d, "sched-stats-bars")
    assert len(bars.find_elements(By.CSS_SELECTOR, "g.chart-row")) == len(stats)
    # 导出 Excel: a plain link to the sheet of the same range.
    export = wait_visible(d, "sched-stats-export")
    assert export.text == "导出 Excel"
    href = export.get_attribute("href")
    assert href == f"{base}/api/scheduling/statistics/export.xlsx?from={first.isoformat()}&to={last.isoformat()}", href
    sheet = head.get(href)
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert sheet.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    screenshot(d, "210-scheduling-statistics.png")


def test_registrar_sees_the_demo_calendar_but_not_the_rules(browser, server):
    d = browser
    base, registrar = server["base"], server["registrar"]
    listing = registrar.get(base + "/api/scheduling/appointments", params={"pageSize": 200}).json()["items"]
    demo = [e for e in listing if e["patientId"].startswith("DEMO")]
    assert len(demo) == 8
    ct1 = next(q for q in registrar.get(base + "/api/scheduling/queues").json()["items"] if q["code"] == "CT1")
    ct_demo = [e for e in demo if e["appointment"]["queueId"] == ct1["id"]]
    date = ct_demo[0]["appointment"]["date"]

    sign_in(d, base, "registrar", REGISTRAR_PASSWORD, f"/sched-calendar?queue={ct1['id']}&date={date}&view=day")
    ids = nav_ids(d)
    assert "schedCalendar" in ids and "schedBlacklist" in ids and "schedStats" in ids, ids
    assert "schedSlots" not in ids and "schedNumbers" not in ids, ids
    wait_visible(d, "sched-day-table", SLOW)
    if date == hospital_now().date().isoformat():
        assert wait_visible(d, "sched-today-tag").text == "今天"
    chips = d.find_elements(By.CSS_SELECTOR, css_testid("sched-appointment"))
    seen = {(within(c, "sched-appointment-name").text, within(c, "sched-appointment-status").get_attribute("data-status")) for c in chips}
    expected = {(e["patientName"].split("=")[1].replace("^", ""), e["appointment"]["status"]) for e in ct_demo if e["appointment"]["date"] == date}
    assert expected and expected <= seen, (expected, seen)
    assert {"已登记", "已预约"} & {within(c, "sched-appointment-status").text for c in chips}
    # The slot with the bookings shows its use as GET slots says.
    slots = {x["slot"]["id"]: x["slot"] for x in registrar.get(base + f"/api/scheduling/queues/{ct1['id']}/slots", params={"from": date, "to": date}).json()["items"]}
    for row in d.find_elements(By.CSS_SELECTOR, css_testid("sched-slot-row")):
        s = slots[int(row.get_attribute("data-slot-id"))]
        assert within(row, "sched-slot-use").text == f"{s['used']}/{s['capacity']}"
    screenshot(d, "211-scheduling-calendar-day.png")

    wait_visible(d, "sched-view-week").click()
    wait_week(d)
    today_cols = d.find_elements(By.CSS_SELECTOR, '[data-testid="sched-week-day"].is-today')
    if date == hospital_now().date().isoformat():
        assert len(today_cols) == 1 and today_cols[0].get_attribute("data-date") == date
    busy = [c for c in d.find_elements(By.CSS_SELECTOR, css_testid("sched-week-cell")) if c.get_attribute("data-date") == date and c.get_attribute("data-used") not in ("", "0")]
    assert busy, "the booked slot shows its use in the week"
    screenshot(d, "212-scheduling-calendar-week.png")

    # The blacklist is readable at the desk, without 解除; the rules pages answer 无权访问.
    d.get(f"{base}/#/sched-blacklist")
    wait_table_idle(d, "sched-blacklist")
    assert not d.find_elements(By.CSS_SELECTOR, css_testid("sched-bl-lift"))
    d.get(f"{base}/#/sched-slots")
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: "无权访问" in drv.find_element(By.CSS_SELECTOR, "main").text)
