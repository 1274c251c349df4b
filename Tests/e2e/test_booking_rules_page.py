"""Browser test of 预约规则 (#/sched-rules; issue #7: REG-07, REG-08, REG-10).

Starts its own Yunying server from the prebuilt binary (.build/debug/yunying; `yunying demo` first, own data directory,
HTTP 19922 and DICOM 19923 unless YUNYING_RULES_E2E_PORT says otherwise). The department head (`head`,
scheduling.manage) in the browser:
  - finds 预约规则 in the 预约 group, with the one-line explanation of the four kinds;
  - a name the server refuses (41 characters, the input's limit taken off) gets the server's message under 规则名称;
  - creates a restrict rule 床旁不走自助 (床旁 = 是, 预约渠道 属于 five self-service channels, picked as chips) and a
    conflict rule 钡餐后腹部CT (项目名称 包含 腹部; 检查分类 = 钡餐造影, 7 天): GET /api/scheduling/rules has exactly
    these conditions, params and messages; the list shows the conditions in Chinese with kind badges;
  - a merge rule with 需一致的字段, 开单相隔天数 and 允许同一项目合并 (params checked through the API), then deleted after a
    confirmation; 启用 off and on again (API follows); 下移 swaps the first two rules (API positions), 上移 back.
The registrar then books through the API, on channel wechat, an item of a bedside order: 409 rule_refused with the
rule's message; the same item at the desk (channel desk) is booked.
Screenshots: Tests/e2e/artifacts/220-scheduling-rules-*.png.
"""

import os
import shutil
import subprocess
import tempfile

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import css_testid, screenshot, wait_gone, wait_table_idle, wait_text, wait_visible, within
from test_viewer import BIN, DEMO_PASSWORD, HEAD_PASSWORD, SLOW, wait_port

requests = pytest.importorskip("requests")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason="needs the server binary")

HTTP_PORT = int(os.environ.get("YUNYING_RULES_E2E_PORT", "19922"))
DICOM_PORT = HTTP_PORT + 1
ADMIN_PASSWORD = "Rules#Yunying2026"
REGISTRAR_PASSWORD = "Reg#Yunying2026x"
SELF_SERVICE = ["kiosk", "app", "wechat", "alipay", "website"]
BEDSIDE_MESSAGE = "床旁检查请到病区护士站预约"
CONFLICT_MESSAGE = "钡餐造影后 7 天内不宜做腹部 CT"


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
        yield {"base": base, "head": head, "registrar": registrar}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def rules_api(server):
    r = server["head"].get(server["base"] + "/api/scheduling/rules")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def by_name(server, name):
    return next(r for r in rules_api(server) if r["name"] == name)


def clean(params):
    return {k: v for k, v in params.items() if v is not None}


def rows(d):
    wait_table_idle(d, "rules-table")
    return d.find_elements(By.CSS_SELECTOR, css_testid("rules-row"))


def row_named(d, name):
    return WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _: next((r for r in rows(d) if r.get_attribute("data-name") == name), None))


def click_in_row(d, name, testid):
    """Click a row's control; the table is redrawn after every change, so a stale row is looked up again."""
    def attempt(_):
        try:
            row = row_named(d, name)
            row.find_element(By.CSS_SELECTOR, css_testid(testid)).click()
            return True
        except StaleElementReferenceException:
            return False
    WebDriverWait(d, SLOW).until(attempt)


def row_names(d):
    try:
        return [r.get_attribute("data-name") for r in rows(d)]
    except StaleElementReferenceException:
        return None


def cond_rows(dialog):
    return dialog.find_elements(By.CSS_SELECTOR, css_testid("rules-f-cond"))


def test_booking_rules_page(browser, server):
    d = browser
    base = server["base"]
    d.get(f"{base}/#/sched-rules")
    wait_visible(d, "login-username", SLOW).send_keys("head")
    wait_visible(d, "login-password").send_keys(HEAD_PASSWORD)
    wait_visible(d, "login-submit").click()
    intro = wait_visible(d, "rules-intro", SLOW)
    for word in ("限制：", "检查准备：", "冲突：", "合并："):
        assert word in intro.text
    nav = d.find_element(By.CSS_SELECTOR, 'a[href="#/sched-rules"]')
    assert nav.text.strip() == "预约规则"
    existing = len(rules_api(server))

    # ---- restrict: bedside exams not through self-service; first a name the server refuses
    wait_visible(d, "rules-new").click()
    dialog = wait_visible(d, "rules-dialog")
    name = within(dialog, "rules-f-name")
    d.execute_script("arguments[0].removeAttribute('maxlength')", name)
    name.send_keys("床" * 41)
    Select(within(dialog, "rules-f-kind")).select_by_value("restrict")
    assert "不能预约" in within(dialog, "rules-f-kind-hint").text
    first = cond_rows(dialog)[0]
    Select(within(first, "rules-f-cond-field")).select_by_value("bedside")
    Select(within(cond_rows(dialog)[0], "rules-f-cond-value")).select_by_value("true")
    within(dialog, "rules-f-add-cond").click()
    second = cond_rows(dialog)[1]
    Select(within(second, "rules-f-cond-field")).select_by_value("channel")
    Select(within(cond_rows(dialog)[1], "rules-f-cond-op")).select_by_value("in")
    for ch in SELF_SERVICE:
        within(cond_rows(dialog)[1], f"rules-f-cond-value-{ch}").click()
    within(dialog, "rules-f-message").send_keys(BEDSIDE_MESSAGE)
    within(dialog, "modal-submit").click()
    error = WebDriverWait(d, SLOW).until(lambda _: (lambda e: e if e.is_displayed() else None)(within(dialog, "error-name")))
    assert "40" in error.text, error.text
    screenshot(d, "220-scheduling-rules-server-error.png")
    name.clear()
    name.send_keys("床旁不走自助")
    within(dialog, "modal-submit").click()
    wait_gone(d, "rules-dialog", SLOW)
    restrict = by_name(server, "床旁不走自助")
    assert restrict["kind"] == "restrict" and restrict["active"] is True and restrict["message"] == BEDSIDE_MESSAGE
    assert restrict["conditions"] == [{"field": "bedside", "op": "eq", "value": "true"},
                                      {"field": "channel", "op": "in", "value": ",".join(SELF_SERVICE)}]
    assert clean(restrict["params"]) == {}

    # ---- conflict: abdominal CT not within 7 days after a barium meal
    wait_visible(d, "rules-new").click()
    dialog = wait_visible(d, "rules-dialog")
    within(dialog, "rules-f-name").send_keys("钡餐后腹部CT")
    Select(within(dialog, "rules-f-kind")).select_by_value("conflict")
    assert within(dialog, "rules-f-conflict").is_displayed() and not within(dialog, "rules-f-merge").is_displayed()
    Select(within(cond_rows(dialog)[0], "rules-f-cond-field")).select_by_value("itemName")
    Select(within(cond_rows(dialog)[0], "rules-f-cond-op")).select_by_value("contains")
    within(cond_rows(dialog)[0], "rules-f-cond-value").send_keys("腹部")
    Select(within(dialog, "rules-f-other-field")).select_by_value("examClass")
    within(dialog, "rules-f-other-value").send_keys("钡餐造影")
    days = within(dialog, "rules-f-min-days")
    days.clear()
    days.send_keys("7")
    within(dialog, "rules-f-message").send_keys(CONFLICT_MESSAGE)
    screenshot(d, "220-scheduling-rules-conflict-form.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "rules-dialog", SLOW)
    conflict = by_name(server, "钡餐后腹部CT")
    assert conflict["kind"] == "conflict" and conflict["message"] == CONFLICT_MESSAGE and conflict["active"] is True
    assert conflict["conditions"] == [{"field": "itemName", "op": "contains", "value": "腹部"}]
    assert clean(conflict["params"]) == {"otherField": "examClass", "otherValue": "钡餐造影", "minDays": 7}
    assert len(rules_api(server)) == existing + 2

    # ---- the list: kind badges and the conditions in words
    row = row_named(d, "床旁不走自助")
    assert within(row, "rules-kind").text == "限制"
    conds = [c.text for c in row.find_elements(By.CSS_SELECTOR, css_testid("rules-cond"))]
    assert conds == ["床旁 = 是", "预约渠道 属于 自助机、手机 App、微信公众号、支付宝、医院网站"], conds
    row = row_named(d, "钡餐后腹部CT")
    assert within(row, "rules-kind").text == "冲突"
    assert within(row, "rules-params").text == "在「检查分类 = 钡餐造影」的预约之后 7 天内不可预约"
    screenshot(d, "220-scheduling-rules-list.png")

    # ---- merge, then deleted after a confirmation
    wait_visible(d, "rules-new").click()
    dialog = wait_visible(d, "rules-dialog")
    within(dialog, "rules-f-name").send_keys("同科室CT合并")
    Select(within(dialog, "rules-f-kind")).select_by_value("merge")
    within(cond_rows(dialog)[0], "rules-f-cond-remove").click()
    assert cond_rows(dialog) == []
    within(dialog, "rules-f-same-department").click()
    within(dialog, "rules-f-same-modality").click()
    max_days = within(dialog, "rules-f-max-days")
    max_days.clear()
    max_days.send_keys("3")
    within(dialog, "rules-f-same-item").click()
    within(dialog, "rules-f-message").send_keys("同一天检查，减少往返")
    screenshot(d, "220-scheduling-rules-merge-form.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "rules-dialog", SLOW)
    merge = by_name(server, "同科室CT合并")
    assert merge["conditions"] == [] and clean(merge["params"]) == {"sameFields": ["department", "modality"], "maxDays": 3, "sameItem": True}
    click_in_row(d, "同科室CT合并", "rules-delete")
    confirm = wait_visible(d, "confirm-dialog")
    assert "同科室CT合并" in confirm.text
    within(confirm, "confirm-ok").click()
    WebDriverWait(d, SLOW).until(lambda _: all(r["name"] != "同科室CT合并" for r in rules_api(server)))
    WebDriverWait(d, SLOW).until(lambda _: (lambda n: n is not None and "同科室CT合并" not in n)(row_names(d)))

    # ---- 启用 off and on
    click_in_row(d, "钡餐后腹部CT", "rules-active")
    WebDriverWait(d, SLOW).until(lambda _: by_name(server, "钡餐后腹部CT")["active"] is False)
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: "row-inactive" in row_named(d, "钡餐后腹部CT").get_attribute("class"))
    click_in_row(d, "钡餐后腹部CT", "rules-active")
    WebDriverWait(d, SLOW).until(lambda _: by_name(server, "钡餐后腹部CT")["active"] is True)

    # ---- 下移 / 上移 (PUT position)
    def names():
        return [r["name"] for r in sorted(rules_api(server), key=lambda r: (r["position"], r["id"]))]
    before = names()
    i = before.index("床旁不走自助")
    assert before[i + 1] == "钡餐后腹部CT"
    click_in_row(d, "床旁不走自助", "rules-down")
    WebDriverWait(d, SLOW).until(lambda _: names().index("钡餐后腹部CT") == i)
    WebDriverWait(d, SLOW).until(lambda _: row_names(d) == names())
    click_in_row(d, "床旁不走自助", "rules-up")
    WebDriverWait(d, SLOW).until(lambda _: names() == before)

    # ---- the edit dialog shows the rule as saved
    click_in_row(d, "床旁不走自助", "rules-edit")
    dialog = wait_visible(d, "rules-dialog")
    assert Select(within(cond_rows(dialog)[1], "rules-f-cond-op")).first_selected_option.get_attribute("value") == "in"
    assert all(within(cond_rows(dialog)[1], f"rules-f-cond-value-{ch}").is_selected() for ch in SELF_SERVICE)
    screenshot(d, "220-scheduling-rules-edit.png")
    within(dialog, "modal-cancel").click()
    wait_gone(d, "rules-dialog")

    # ---- the rule at work: a bedside order booked through WeChat is refused with the rule's message
    reg = server["registrar"]
    order = reg.post(base + "/api/scheduling/orders", json={
        "patient": {"patientId": "E2E-RULE-01", "name": "Zhao^Lei=赵^磊", "sex": "M", "birthDate": "19600101"}, "source": "inpatient",
        "channel": "ward", "ward": "心内科一病区", "bedside": True, "items": [{"itemCode": "DR-CHEST", "itemName": "床旁胸片", "modality": "CT"}]})
    assert order.status_code == 201, order.text
    item = order.json()["items"][0]["id"]
    queue = next(q for q in reg.get(base + "/api/scheduling/queues").json()["items"] if q["code"] == "CT1")
    option = reg.get(base + f"/api/scheduling/queues/{queue['id']}/next-available", params={"orderItemId": item}).json()["items"][0]
    refused = reg.post(base + "/api/scheduling/appointments", json={"orderItemId": item, "parts": option["parts"], "channel": "wechat"})
    assert refused.status_code == 409, refused.text
    err = refused.json()["error"]
    assert err["code"] == "rule_refused" and BEDSIDE_MESSAGE in err["message"] and "床旁不走自助" in err["message"], err
    booked = reg.post(base + "/api/scheduling/appointments", json={"orderItemId": item, "parts": option["parts"], "channel": "desk"})
    assert booked.status_code == 201, booked.text
