"""End-to-end test of the DICOM 节点 page (#/dicom): node administration with the C-ECHO test, the transfer log,
and the tabs a technologist sees.

Needs a running Yunying server loaded with demo data (`yunying demo`, then `yunying serve`), like
test_foundation.py:
  YUNYING_E2E_URL             base URL, e.g. http://127.0.0.1:18080
  YUNYING_E2E_ADMIN_PASSWORD  password of the bootstrap administrator `admin`
`Tests/e2e/run.sh` starts such a server from .build/debug/yunying (with its own DICOM port) and runs this file.

The DICOM port and our AE title are read from GET /api/dicom/status, and the server must listen on 127.0.0.1 (the
default). DCMTK's findscu and movescu (Debian package dcmtk) produce the transfer log's records: the log is checked with a
C-FIND (success) and a C-MOVE to an unknown destination (failure 0xA801).
Demo data this test relies on: the built-in role `technologist` (monitor.view but not dicom.nodes.manage) and at
least one institution. Screenshots go to Tests/e2e/artifacts/ (06-dicom-nodes.png, 07-dicom-activity.png,
08-dicom-technologist.png).
"""

import json
import shutil
import socket
import subprocess
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import (
    ADMIN_PASSWORD, TIMEOUT, css_testid, wait_visible, wait_gone, wait_table_idle, wait_text, within, screenshot, go, login, logout, needs_server,
)

# The echo to an address nobody listens on is refused at once; give the server's own timeouts room anyway.
ECHO_TIMEOUT = 30

pytestmark = needs_server


def api(driver, method, path, body=None):
    """Call the API through the browser's own session (cookie, CSRF token from /api/me); returns (status, JSON)."""
    result = driver.execute_async_script(
        """
        const [method, path, body, done] = arguments;
        (async () => {
          const me = await (await fetch('/api/me', {credentials: 'same-origin', headers: {Accept: 'application/json'}})).json();
          const headers = {Accept: 'application/json', 'X-CSRF-Token': me.csrfToken || ''};
          if (body !== null) headers['Content-Type'] = 'application/json';
          const r = await fetch(path, {method, credentials: 'same-origin', headers, body: body === null ? undefined : JSON.stringify(body)});
          return {status: r.status, body: await r.text()};
        })().then(done, (e) => done({status: -1, body: String(e)}));
        """,
        method,
        path,
        body,
    )
    try:
        data = json.loads(result["body"]) if result["body"] else None
    except ValueError:
        data = None
    return result["status"], data


def closed_port():
    """A local TCP port nobody listens on (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dcmtk(tool, *args):
    exe = shutil.which(tool)
    if not exe:
        pytest.fail(f"{tool} (DCMTK) is needed to produce DICOM traffic: apt-get install dcmtk")
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)


def fill_node_form(form, ae_title=None, host=None, port=None, description=None):
    for testid, value in (("node-form-aeTitle", ae_title), ("node-form-host", host), ("node-form-port", port), ("node-form-description", description)):
        if value is None:
            continue
        box = within(form, testid)
        box.clear()
        box.send_keys(str(value))


def echo_result(driver, row_testid):
    """Press 测试连接 in a row and wait for the result shown in that row."""
    within(wait_visible(driver, row_testid), "node-echo").click()
    WebDriverWait(driver, ECHO_TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: within(d.find_element(By.CSS_SELECTOR, css_testid(row_testid)), "node-echo-result").get_attribute("data-ok") in ("true", "false")
    )
    cell = within(wait_visible(driver, row_testid), "node-echo-result")
    return cell.get_attribute("data-ok") == "true", cell.text


# ---------------------------------------------------------------- the scenarios


def test_admin_registers_tests_edits_and_deletes_a_node(browser):
    d = browser
    login(d, "admin", ADMIN_PASSWORD)
    wait_visible(d, "home-welcome")

    status, local = api(d, "GET", "/api/dicom/status")
    assert status == 200, (status, local)
    our_ae, dicom_port = local["aeTitle"], local["port"]
    calling_ae = f"E2E{int(time.time()) % 100000:05d}"

    # A node with our own AE title answers C-ECHO (it is this server); a leftover from an earlier run goes first.
    status, nodes = api(d, "GET", f"/api/dicom/application-entities?q={our_ae}&pageSize=100")
    assert status == 200, (status, nodes)
    for node in nodes["items"]:
        if node["aeTitle"] == our_ae:
            assert api(d, "DELETE", f"/api/dicom/application-entities/{node['id']}")[0] == 204

    # 1. Sidebar → DICOM 节点 → 节点管理, with our own node on top.
    wait_visible(d, "nav-dicom").click()
    wait_visible(d, "dicom-tab-nodes")
    assert d.current_url.endswith("#/dicom/nodes"), d.current_url
    local_line = wait_visible(d, "dicom-local").text
    assert f"本机 AE Title {our_ae}" in local_line.replace("\n", " "), local_line
    assert str(dicom_port) in local_line and "接受未登记节点" in local_line and "重复图像策略" in local_line, local_line
    wait_table_idle(d, "nodes-table")
    if api(d, "GET", "/api/dicom/application-entities")[1]["total"] == 0:
        assert "尚未登记任何 DICOM 节点" in wait_visible(d, "empty-state").text

    # 2. 新增节点: the server's field messages first (port out of range, backslash in the AE title) …
    wait_visible(d, "node-add").click()
    form = wait_visible(d, "node-form")
    fill_node_form(form, ae_title="CT\\01", host="127.0.0.1", port=70000)
    within(form, "modal-submit").click()
    wait_text(d, "error-port", "端口须在 1–65535 之间")
    wait_text(d, "error-aeTitle", "反斜杠")
    # … then a valid node pointing at this server.
    fill_node_form(form, ae_title=our_ae, port=dicom_port, description="本机自测节点")
    within(form, "modal-submit").click()
    wait_gone(d, "node-form")
    row_id = f"node-row-{our_ae}"
    wait_text(d, row_id, "本机自测节点")
    assert "全部服务" in wait_visible(d, row_id).text
    assert within(wait_visible(d, row_id), "node-active-input").is_selected()

    # The same AE title twice: 409, shown under the AE title.
    wait_visible(d, "node-add").click()
    form = wait_visible(d, "node-form")
    fill_node_form(form, ae_title=our_ae, host="127.0.0.2", port=104)
    within(form, "modal-submit").click()
    wait_text(d, "error-aeTitle", "已登记")
    within(form, "modal-cancel").click()
    wait_gone(d, "node-form")

    # 3. 测试连接: C-ECHO succeeds, the row says so in green with the round trip.
    ok, text = echo_result(d, row_id)
    assert ok, text
    assert "连接正常" in text and "毫秒" in text, text
    screenshot(d, "06-dicom-nodes.png")

    # 4. 编辑: a closed port and fewer services; the echo now fails with the server's Chinese message.
    within(wait_visible(d, row_id), "node-edit").click()
    form = wait_visible(d, "node-form")
    assert within(form, "node-form-aeTitle").get_attribute("value") == our_ae
    fill_node_form(form, port=closed_port(), description="本机自测节点（端口已改）")
    for service in ("move", "get"):
        box = within(form, f"node-form-service-{service}")
        if box.is_selected():
            box.click()
    within(form, "modal-submit").click()
    wait_gone(d, "node-form")
    wait_text(d, row_id, "端口已改")
    row_text = wait_visible(d, row_id).text
    assert "存储" in row_text and "查询" in row_text and "全部服务" not in row_text, row_text
    ok, text = echo_result(d, row_id)
    assert not ok, text
    assert "无法连接" in text, text

    # Back to the working port for the rest of the test.
    node_id = wait_visible(d, row_id).get_attribute("data-id")
    status, _ = api(d, "PUT", f"/api/dicom/application-entities/{node_id}", {"port": dicom_port})
    assert status == 200

    # 5. The enable switch: 停用 asks first; the server stores it; 启用 again.
    go(d, "/dicom/nodes")
    wait_table_idle(d, "nodes-table")
    within(wait_visible(d, row_id), "node-active").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert "停用" in confirm.text
    wait_visible(d, "confirm-ok").click()
    wait_text(d, row_id, "停用")
    assert api(d, "GET", f"/api/dicom/application-entities/{node_id}")[1]["active"] is False
    within(wait_visible(d, row_id), "node-active").click()
    wait_text(d, row_id, "启用")
    assert api(d, "GET", f"/api/dicom/application-entities/{node_id}")[1]["active"] is True

    # 6. Traffic from a device: a C-FIND (success) and a C-MOVE to an unknown destination (failure 0xA801).
    # (echoscu is sent too, as a device would; the server does not write C-ECHO to the log.)
    dcmtk("echoscu", "-aet", calling_ae, "-aec", our_ae, "127.0.0.1", str(dicom_port))
    found = dcmtk("findscu", "-aet", calling_ae, "-aec", our_ae, "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=E2E-NONE", "-k", "StudyInstanceUID", "127.0.0.1", str(dicom_port))
    assert found.returncode == 0, found.stderr
    dcmtk("movescu", "-aet", calling_ae, "-aec", our_ae, "-aem", "NOWHERE_E2E", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3.4.5", "127.0.0.1", str(dicom_port))

    # 传输记录 from the node's row: the filter is the node's AE title (the called AE of every inbound record).
    within(wait_visible(d, row_id), "node-activity").click()
    wait_visible(d, "dicom-tab-activity")
    assert wait_visible(d, "activity-ae").get_attribute("value") == our_ae
    ae_box = wait_visible(d, "activity-ae")
    ae_box.clear()
    ae_box.send_keys(calling_ae)
    wait_visible(d, "activity-query").click()

    def find_and_move_listed(driver):
        wait_table_idle(driver, "activity-table")
        rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid^="activity-row-"]')
        ops = {r.get_attribute("data-operation"): r for r in rows}
        return ops if {"C-FIND", "C-MOVE"} <= set(ops) else None

    by_operation = WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(find_and_move_listed)
    # A server that logs C-ECHO as well lists the echo too.
    assert set(by_operation) <= {"C-ECHO", "C-FIND", "C-MOVE"}, list(by_operation)
    find_row, move_row = by_operation["C-FIND"], by_operation["C-MOVE"]
    assert calling_ae in find_row.text and "成功" in find_row.text and "0x0000" in find_row.text, find_row.text
    assert "row-failure" not in find_row.get_attribute("class")
    assert "row-failure" in move_row.get_attribute("class"), "failures are highlighted"
    assert "移动目标节点未知" in move_row.text and "0xA801" in move_row.text, move_row.text
    screenshot(d, "07-dicom-activity.png")

    # 只看失败 leaves the C-MOVE only.
    wait_visible(d, "activity-failures").click()
    wait_text(d, "pager-total", "共 1 条")
    wait_table_idle(d, "activity-table")
    rows = d.find_elements(By.CSS_SELECTOR, '[data-testid^="activity-row-"]')
    assert [r.get_attribute("data-operation") for r in rows] == ["C-MOVE"], [r.text for r in rows]

    # 当前连接: the list loads (the associations above are closed by now).
    wait_visible(d, "dicom-tab-associations").click()
    wait_table_idle(d, "associations-table")
    wait_text(d, "associations-updated", "每 5 秒自动刷新")

    # 7. 删除, after confirming.
    go(d, "/dicom/nodes")
    wait_table_idle(d, "nodes-table")
    within(wait_visible(d, row_id), "node-delete").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert our_ae in confirm.text
    wait_visible(d, "confirm-ok").click()
    wait_gone(d, row_id)
    assert api(d, "GET", f"/api/dicom/application-entities/{node_id}")[0] == 404


def test_technologist_sees_the_monitoring_tabs_only(browser):
    d = browser
    username = f"e2etech{int(time.time()) % 100000:05d}"
    new_password = "Yy#Tech2026new"

    # A technologist, made through the API as the administrator.
    login(d, "admin", ADMIN_PASSWORD)
    wait_visible(d, "home-welcome")
    status, institutions = api(d, "GET", "/api/dictionaries/institutions?pageSize=1")
    assert status == 200 and institutions["items"], (status, institutions)
    status, created = api(d, "POST", "/api/users", {"username": username, "displayName": "测试技师", "institutionId": institutions["items"][0]["id"]})
    assert status == 201, (status, created)
    status, roles = api(d, "GET", "/api/roles")
    technologist = next(r["id"] for r in roles["items"] if r["code"] == "technologist")
    status, _ = api(d, "PUT", f"/api/users/{created['user']['id']}/roles", {"items": [{"roleId": technologist, "allInstitutions": True, "institutionIds": [], "allCategories": True, "categoryIds": []}]})
    assert status in (200, 204), status
    logout(d)

    login(d, username, created["initialPassword"])
    wait_visible(d, "forced-password-page")
    wait_visible(d, "pwd-current").send_keys(created["initialPassword"])
    wait_visible(d, "pwd-new").send_keys(new_password)
    wait_visible(d, "pwd-confirm").send_keys(new_password)
    wait_visible(d, "pwd-submit").click()
    wait_visible(d, "home-welcome")

    # DICOM 节点 is in the sidebar; it opens on 当前连接, and 节点管理 / 路由规则 are neither shown nor reachable
    # (发送队列 is, without its 重发 buttons).
    wait_visible(d, "nav-dicom").click()
    wait_visible(d, "dicom-tab-associations")
    assert d.current_url.endswith("#/dicom/associations"), d.current_url
    tabs = [e.get_attribute("data-testid") for e in d.find_elements(By.CSS_SELECTOR, '[data-testid^="dicom-tab-"]')]
    assert tabs == ["dicom-tab-associations", "dicom-tab-activity", "dicom-tab-outbox"], tabs
    assert d.find_elements(By.CSS_SELECTOR, css_testid("node-add")) == []
    wait_visible(d, "dicom-local")
    go(d, "/dicom/nodes")
    WebDriverWait(d, TIMEOUT).until(lambda _: d.current_url.endswith("#/dicom/associations"))
    go(d, "/dicom/routing")
    WebDriverWait(d, TIMEOUT).until(lambda _: d.current_url.endswith("#/dicom/associations"))
    wait_visible(d, "dicom-tab-outbox").click()
    wait_table_idle(d, "outbox-table")
    assert d.find_elements(By.CSS_SELECTOR, css_testid("dest-retry-all")) == []
    assert "操作" not in wait_visible(d, "outbox-table").find_element(By.TAG_NAME, "thead").text
    wait_visible(d, "dicom-tab-activity").click()
    wait_table_idle(d, "activity-table")
    screenshot(d, "08-dicom-technologist.png")
    status, body = api(d, "GET", "/api/dicom/application-entities")
    assert status == 403, (status, body)
