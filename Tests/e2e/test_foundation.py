"""End-to-end test of the foundation web UI (users, role assignment, forced password change, permissions).

Needs a running Yunying server loaded with demo data (`yunying demo`, then `yunying serve`):
  YUNYING_E2E_URL             base URL, e.g. http://127.0.0.1:18080
  YUNYING_E2E_ADMIN_PASSWORD  password of the bootstrap administrator `admin`
`Tests/e2e/run.sh` starts such a server from .build/debug/yunying and runs this file.

Demo data this test relies on (seeded by `yunying demo`):
  - institution with code CH-XC, 西城县人民医院 (a subordinate county hospital);
  - built-in role with code `registrar`, named 登记员, granting registration.manage but not users.view;
  - `admin` holds system_admin + security_admin (users.manage, roles.assign) so it can create and authorise users.
Screenshots go to Tests/e2e/artifacts/ (login page, users page, a dictionary page, the role dialog, the forced
password change with the policy's rules).
"""

import json
import time

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import (
    BASE_URL, ADMIN_PASSWORD, TIMEOUT, css_testid, wait_visible, wait_gone, wait_table_idle, wait_text, within, screenshot, go, login, logout, needs_server,
)

pytestmark = needs_server


def api_get(driver, path):
    """GET through the browser's own session (cookie); returns (status, parsed JSON or None)."""
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin', headers: {Accept: 'application/json'}})
          .then(async (r) => done({status: r.status, body: await r.text()}))
          .catch((e) => done({status: -1, body: String(e)}));
        """,
        path,
    )
    try:
        body = json.loads(result["body"]) if result["body"] else None
    except ValueError:
        body = None
    return result["status"], body


def select_option_by_code(select_element, code):
    option = select_element.find_element(By.CSS_SELECTOR, f'option[data-code="{code}"]')
    Select(select_element).select_by_value(option.get_attribute("value"))
    return option


# ---------------------------------------------------------------- the scenario


def test_admin_creates_scoped_registrar_who_sees_only_allowed_pages(browser):
    d = browser
    username = f"e2e{int(time.time()) % 1000000:06d}"
    display_name = "测试登记员"
    new_password = "Yy#Reg2026new"

    # 1. Login page, then sign in as the administrator.
    d.get(f"{BASE_URL}/")
    wait_visible(d, "login-page")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "云影" in wait_visible(d, "product-name").text
    screenshot(d, "01-login.png")

    login(d, "admin", "wrong-password")
    error = wait_visible(d, "login-error")
    WebDriverWait(d, TIMEOUT).until(lambda _: error.text.strip() != "")
    assert "用户名或密码错误" in error.text

    login(d, "admin", ADMIN_PASSWORD)
    wait_visible(d, "home-welcome")
    wait_visible(d, "nav-users")

    # 2. Users page → 新增用户, assigned to the county hospital CH-XC.
    wait_visible(d, "nav-users").click()
    wait_visible(d, "user-row-admin")
    wait_table_idle(d, "users-table")
    screenshot(d, "02-users.png")

    wait_visible(d, "user-add").click()
    form = wait_visible(d, "user-form")
    within(form, "user-form-username").send_keys(username)
    within(form, "user-form-displayName").send_keys(display_name)
    within(form, "user-form-title").send_keys("技师")
    institution = within(form, "user-form-institution")
    option = select_option_by_code(institution, "CH-XC")
    assert "西城县人民医院" in option.text
    # Departments follow the institution; wait until they are loaded (the select is enabled again).
    WebDriverWait(d, TIMEOUT).until(lambda _: within(form, "user-form-department").is_enabled())
    within(form, "modal-submit").click()

    # The initial password is shown once.
    secret = wait_visible(d, "secret-dialog")
    initial_password = within(secret, "initial-password").text.strip()
    assert len(initial_password) >= 8, initial_password
    within(secret, "secret-done").click()
    wait_gone(d, "secret-dialog")

    # 3. 授权: role registrar, only institution CH-XC.
    search = wait_visible(d, "users-search")
    search.clear()
    search.send_keys(username)
    wait_visible(d, "users-query").click()
    wait_text(d, "pager-total", "共 1 条")
    wait_table_idle(d, "users-table")
    row = wait_visible(d, f"user-row-{username}")
    assert "西城县人民医院" in row.text
    within(row, "user-action-roles").click()

    dialog = wait_visible(d, "assign-dialog")
    within(dialog, "assign-add").click()
    assign_row = WebDriverWait(d, TIMEOUT).until(lambda _: dialog.find_elements(By.CSS_SELECTOR, css_testid("assign-row")))[-1]
    select_option_by_code(within(assign_row, "assign-role"), "registrar")
    within(assign_row, "assign-inst-some").click()
    for box in assign_row.find_elements(By.CSS_SELECTOR, 'input[data-testid^="assign-inst-"][type="checkbox"]'):
        wanted = box.get_attribute("data-testid") == "assign-inst-CH-XC"
        if box.is_selected() != wanted:
            box.click()
    assert within(assign_row, "assign-inst-CH-XC").is_selected()
    assert within(assign_row, "assign-cat-all").is_selected()
    screenshot(d, "04-role-dialog.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "assign-dialog")

    # The row now shows the role, and the server stored exactly that scope.
    wait_text(d, f"user-row-{username}", "登记员")
    user_id = wait_visible(d, f"user-row-{username}").get_attribute("data-id")
    status, roles = api_get(d, "/api/roles")
    assert status == 200
    registrar_id = next(r["id"] for r in roles["items"] if r["code"] == "registrar")
    status, institutions = api_get(d, "/api/dictionaries/institutions?q=CH-XC&pageSize=200")
    assert status == 200
    county_id = next(i["id"] for i in institutions["items"] if i["code"] == "CH-XC")
    status, assigned = api_get(d, f"/api/users/{user_id}/roles")
    assert status == 200
    assert [(a["roleId"], a["allInstitutions"], a["institutionIds"]) for a in assigned["items"]] == [(registrar_id, False, [county_id])]

    # A dictionary page, for the record.
    go(d, "/dict/institutions")
    wait_visible(d, "dict-row-CH-XC")
    wait_table_idle(d, "dict-table")
    screenshot(d, "03-dictionary.png")

    # 4. Log out; log in as the new user, who must change the initial password first.
    logout(d)
    login(d, username, initial_password)
    wait_visible(d, "forced-password-page")
    # The page states the password rules of the security policy (default: 8 characters, 3 classes, …).
    rules = wait_visible(d, "password-rules").text
    assert "密码至少 8 位" in rules and "不能包含用户名" in rules, rules
    screenshot(d, "05-forced-password.png")
    wait_visible(d, "pwd-current").send_keys(initial_password)
    wait_visible(d, "pwd-new").send_keys(new_password)
    wait_visible(d, "pwd-confirm").send_keys(new_password)
    wait_visible(d, "pwd-submit").click()

    # 5. Allowed: 工作台 shows the registrar role, 登记预约 is in the navigation.
    wait_visible(d, "home-welcome")
    roles_cell = wait_visible(d, "home-roles")
    assert "登记员" in roles_cell.text
    assert display_name in wait_visible(d, "home-name").text
    wait_text(d, "home-institution", "西城县人民医院")
    wait_visible(d, "nav-registration")
    assert d.find_elements(By.CSS_SELECTOR, css_testid("nav-users")) == []
    wait_visible(d, "nav-registration").click()
    wait_visible(d, "reg-search")  # the 登记预约 desk, ready for a card reader

    # 6. Refused: #/users shows the 403 page, and the API says 403 too.
    go(d, "/users")
    forbidden = wait_visible(d, "page-forbidden")
    assert "无权访问" in forbidden.text
    status, body = api_get(d, "/api/users")
    assert status == 403, (status, body)
    assert body["error"]["code"] == "forbidden"

    # 7. API tokens (user menu): create one, see it once, revoke it.
    wait_visible(d, "user-menu").click()
    wait_visible(d, "menu-tokens").click()
    wait_table_idle(d, "tokens-table")
    wait_visible(d, "empty-state")
    wait_visible(d, "token-add").click()
    token_form = wait_visible(d, "token-form")
    within(token_form, "token-form-name").send_keys("HIS 接口")
    within(token_form, "modal-submit").click()
    shown = wait_visible(d, "token-dialog")
    assert within(shown, "token-value").text.strip().startswith("yyt_")
    within(shown, "secret-done").click()
    wait_gone(d, "token-dialog")
    row = WebDriverWait(d, TIMEOUT).until(lambda _: d.find_elements(By.CSS_SELECTOR, '[data-testid^="token-row-"]'))[0]
    assert "HIS 接口" in row.text and "从未使用" in row.text
    within(row, "token-revoke").click()
    wait_visible(d, "confirm-ok").click()
    wait_visible(d, "empty-state")
    status, tokens = api_get(d, "/api/me/tokens")
    assert status == 200 and tokens["items"] == [], (status, tokens)

    # The new password is the one that works now.
    logout(d)
    login(d, username, new_password)
    try:
        wait_visible(d, "home-welcome")
    except TimeoutException:
        pytest.fail("the changed password does not sign in")
