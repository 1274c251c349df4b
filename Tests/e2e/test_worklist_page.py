"""End-to-end test of 检查列表 (#/worklist, VIEW-01): the study list radiologists open the viewer from.

Needs a running Yunying server loaded with demo data, like the other browser tests (Tests/e2e/run.sh starts one):
  YUNYING_E2E_URL              base URL, e.g. http://127.0.0.1:18089
  YUNYING_E2E_ADMIN_PASSWORD   password of the bootstrap administrator (marks the server as prepared)
  YUNYING_E2E_DEMO_PASSWORD    initial password of the demo users (`yunying demo --password …`; run.sh sets it)
  YUNYING_DICOM_PORT           the server's DICOM port (run.sh exports it; default 11112), AE title YUNYING_AE_TITLE
                               (default YUNYING)
Studies are sent with DCMTK's storescu (/usr/bin/storescu) from Tests/interop/synthetic.py: patient Zhang^San=张^三
(born 1965-03-12) with a CT study (CT2024001, 2024-12-20) and an MR study (MR2025001, 2025-01-05). Their dates are in
the past, so the test searches them with a custom exam date range.
The demo user `resident` (住院医师: study.view) signs in and changes the initial password on the way.
Screenshots: Tests/e2e/artifacts/40-worklist-today.png, 41-worklist-search.png, 42-worklist-modality.png,
43-worklist-no-match.png, 44-worklist-network-error.png, 45-worklist-forbidden.png, 46-worklist-en.png.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import TIMEOUT, css_testid, wait_visible, wait_table_idle, wait_text, within, screenshot, go, login, needs_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

pytestmark = needs_server

DEMO_PASSWORD = os.environ.get("YUNYING_E2E_DEMO_PASSWORD", "Demo#2026pwA")
# Must pass the default policy and must not contain the user name.
NEW_PASSWORD = "Rs#Yunying2026"
TABLE = "worklist-table"


def send_studies():
    """The synthetic CT and MR studies of 张三, sent over DICOM with DCMTK's storescu."""
    storescu = "/usr/bin/storescu" if os.path.exists("/usr/bin/storescu") else shutil.which("storescu")
    if not storescu:
        pytest.fail("storescu (DCMTK) is needed to send studies: apt-get install dcmtk")
    synthetic = pytest.importorskip("synthetic")
    with tempfile.TemporaryDirectory() as folder:
        files = [str(p) for p in synthetic.make(folder, ct_slices=4, mr_slices=2)]
        port = os.environ.get("YUNYING_DICOM_PORT", "11112")
        aet = os.environ.get("YUNYING_AE_TITLE", "YUNYING")
        done = subprocess.run([storescu, "-aet", "E2ESCU", "-aec", aet, "127.0.0.1", port, *files], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, TCP_NODELAY="1"))
        assert done.returncode == 0, done.stdout + done.stderr


def sign_in_as_resident(d):
    """Log in as `resident`; at the first login the initial password must be changed."""
    login(d, "resident", DEMO_PASSWORD)
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
        login(d, "resident", NEW_PASSWORD)
    wait_visible(d, "user-menu")


def rows(d):
    return d.find_elements(By.CSS_SELECTOR, f'{css_testid(TABLE)} tbody tr[data-testid="worklist-row"]')


def idle(d):
    wait_table_idle(d, TABLE)
    # The first load shows a spinner row until the answer is there.
    WebDriverWait(d, TIMEOUT).until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, css_testid("worklist-loading")))


def set_date(d, testid, value):
    """Date inputs take typed text in the browser's locale; set the value the way the page reads it."""
    d.execute_script(
        "const el = arguments[0]; el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));",
        wait_visible(d, testid), value,
    )


def row_by_accession(d, accession):
    return next(r for r in rows(d) if within(r, "wl-accession").text == accession)


def test_worklist_page(browser):
    d = browser
    send_studies()
    sign_in_as_resident(d)

    # The module is in the sidebar (no longer "not yet available") and opens on today's studies, newest first.
    nav = wait_visible(d, "nav-worklist")
    assert "检查列表" in nav.text
    assert nav.find_elements(By.CSS_SELECTOR, ".nav-tag") == []
    nav.click()
    WebDriverWait(d, TIMEOUT).until(lambda drv: drv.current_url.endswith("#/worklist"))
    wait_visible(d, "worklist-page")
    idle(d)
    assert wait_visible(d, "page-title").text == "检查列表"
    assert "active" in wait_visible(d, "wl-range-today").get_attribute("class")
    header = wait_visible(d, TABLE).find_element(By.TAG_NAME, "thead").text
    for title in ("姓名", "性别", "年龄", "患者ID", "检查号", "检查日期时间", "设备", "检查描述", "序列/图像数", "院区"):
        assert title in header, (title, header)
    # Our studies are from 2024/2025: today shows other tests' studies of today, or the "nothing today" state.
    today_rows = rows(d)
    if today_rows:
        today = d.execute_script("const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');")
        assert all(within(r, "wl-datetime").text.startswith(today) for r in today_rows)
    else:
        empty = wait_visible(d, "worklist-empty")
        assert "今天还没有检查" in empty.text
        assert wait_visible(d, "wl-empty-7d").is_displayed()
    assert "今天" in wait_visible(d, "wl-summary").text
    # 自动刷新 is for the today view.
    assert d.find_element(By.CSS_SELECTOR, css_testid("wl-auto-refresh")).is_enabled()
    assert "更新于" in wait_visible(d, "wl-updated").text
    screenshot(d, "40-worklist-today.png")

    # 自定义: the range inputs appear; the search by a part of the Chinese name finds both studies of 张三.
    wait_visible(d, "wl-range-custom").click()
    set_date(d, "wl-from", "2024-01-01")
    set_date(d, "wl-to", "2025-12-31")
    idle(d)
    assert not d.find_element(By.CSS_SELECTOR, css_testid("wl-auto-refresh")).is_enabled()
    wait_visible(d, "wl-name").send_keys("张")
    wait_visible(d, "wl-query").click()
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rows(drv)) >= 2)
    found = rows(d)
    for row in found:
        assert within(row, "wl-name").text == "张三"
        assert within(row, "wl-pinyin").text == "Zhang San"
        assert within(row, "wl-patient-id").text == "P0000001"
        assert within(row, "wl-age").text == "59岁"
        assert "男" in row.text
    ct = row_by_accession(d, "CT2024001")
    mr = row_by_accession(d, "MR2025001")
    # Newest first.
    accessions = [within(r, "wl-accession").text for r in rows(d)]
    assert accessions.index("MR2025001") < accessions.index("CT2024001"), accessions
    assert within(ct, "wl-datetime").text.split("\n") == ["2024-12-20", "09:30"]
    assert within(ct, "wl-modality").text.split("\n") == ["CT", "OT"]
    assert within(ct, "wl-counts").text == "2 / 5"
    assert "胸腹部CT增强" in within(ct, "wl-description").text
    assert "云影市第一人民医院" in ct.text
    assert within(mr, "wl-modality").text == "MR"
    assert within(mr, "wl-counts").text == "1 / 2"
    summary = wait_visible(d, "wl-summary").text
    # Earlier tests against the same server may have sent the same studies again (new UIDs): count what is shown.
    assert "2024-01-01 至 2025-12-31" in summary and f"共 {len(rows(d))} 个检查" in summary, summary
    # The thumbnails load (lazily, from /dicomweb/studies/{uid}/thumbnail).
    WebDriverWait(d, TIMEOUT).until(
        lambda drv: all(drv.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
                        for img in drv.find_elements(By.CSS_SELECTOR, f'{css_testid(TABLE)} img.wl-thumb'))
    )
    assert len(d.find_elements(By.CSS_SELECTOR, f'{css_testid(TABLE)} img.wl-thumb')) == len(rows(d))
    # The route keeps the search (a reload or the back button keeps it).
    assert "range=custom" in d.current_url and "from=2024-01-01" in d.current_url and "name=" in d.current_url, d.current_url
    screenshot(d, "41-worklist-search.png")

    # By pinyin too.
    box = wait_visible(d, "wl-name")
    box.clear()
    box.send_keys("zhang san")
    wait_visible(d, "wl-query").click()
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rows(drv)) >= 2)

    # 阅片 opens the viewer in a new tab named after the study; opening it again goes to the same tab.
    main_window = d.current_window_handle
    ct_uid = row_by_accession(d, "CT2024001").get_attribute("data-uid")
    assert ct_uid and re.fullmatch(r"[0-9.]+", ct_uid), ct_uid
    before = set(d.window_handles)
    within(row_by_accession(d, "CT2024001"), "wl-open").click()
    WebDriverWait(d, TIMEOUT).until(lambda drv: len(drv.window_handles) == len(before) + 1)
    viewer_tab = (set(d.window_handles) - before).pop()
    d.switch_to.window(viewer_tab)
    WebDriverWait(d, TIMEOUT).until(lambda drv: "/viewer/?study=" in drv.current_url)
    assert d.current_url.endswith(f"/viewer/?study={ct_uid}"), d.current_url
    assert d.execute_script("return window.name") == f"yy-viewer-{ct_uid}"
    d.switch_to.window(main_window)
    within(row_by_accession(d, "CT2024001"), "wl-open").click()
    time.sleep(1)
    assert len(d.window_handles) == len(before) + 1, "the study's tab is reused"
    # A double-click on a row opens its study too (another study, another tab).
    mr_uid = row_by_accession(d, "MR2025001").get_attribute("data-uid")
    ActionChains(d).double_click(within(row_by_accession(d, "MR2025001"), "wl-patient-id")).perform()
    WebDriverWait(d, TIMEOUT).until(lambda drv: len(drv.window_handles) == len(before) + 2)
    mr_tab = (set(d.window_handles) - before - {viewer_tab}).pop()
    d.switch_to.window(mr_tab)
    WebDriverWait(d, TIMEOUT).until(lambda drv: f"/viewer/?study={mr_uid}" in drv.current_url)
    for handle in (mr_tab, viewer_tab):
        d.switch_to.window(handle)
        d.close()
    d.switch_to.window(main_window)

    # By modality (the select searches at once): only the MR study.
    Select(wait_visible(d, "wl-modality")).select_by_value("MR")
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: rows(drv) and all(within(r, "wl-modality").text == "MR" for r in rows(drv))
    )
    assert all(within(r, "wl-accession").text == "MR2025001" for r in rows(d))
    assert "modality=MR" in d.current_url
    Select(wait_visible(d, "wl-modality")).select_by_value("CT")
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: rows(drv) and all("CT" in within(r, "wl-modality").text for r in rows(drv))
    )
    assert all(within(r, "wl-accession").text == "CT2024001" for r in rows(d))
    screenshot(d, "42-worklist-modality.png")
    Select(wait_visible(d, "wl-modality")).select_by_value("")
    idle(d)

    # By accession number and by description.
    box = wait_visible(d, "wl-name")
    box.clear()
    wait_visible(d, "wl-accession").send_keys("MR2025001")
    wait_visible(d, "wl-query").click()
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: rows(drv) and all(within(r, "wl-accession").text == "MR2025001" for r in rows(drv))
    )
    wait_visible(d, "wl-accession").clear()
    wait_visible(d, "wl-description").send_keys("chest")
    wait_visible(d, "wl-query").click()
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: rows(drv) and all("CHEST" in within(r, "wl-description").text for r in rows(drv))
    )
    wait_visible(d, "wl-description").clear()

    # A range whose end is before its start is marked under 至, and nothing is searched.
    set_date(d, "wl-to", "2023-01-01")
    assert wait_visible(d, "error-to").text == "结束日期不能早于开始日期"
    set_date(d, "wl-to", "2025-12-31")
    idle(d)
    assert not d.find_element(By.CSS_SELECTOR, css_testid("error-to")).is_displayed()

    # A search that finds nothing says so, with what to do.
    wait_visible(d, "wl-name").send_keys("不存在的患者")
    wait_visible(d, "wl-query").click()
    idle(d)
    empty = wait_visible(d, "worklist-empty")
    assert "没有符合条件的检查" in empty.text and "重置" in empty.text
    screenshot(d, "43-worklist-no-match.png")

    # No answer from the server: the message and 重试, which brings the list back.
    wait_visible(d, "wl-name").clear()
    wait_visible(d, "wl-query").click()
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rows(drv)) >= 2)
    d.execute_script("window.__fetch = window.fetch; window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));")
    wait_visible(d, "wl-refresh").click()
    error = wait_visible(d, "worklist-error")
    assert error.get_attribute("data-kind") == "network"
    assert "无法连接到服务器" in error.text
    screenshot(d, "44-worklist-network-error.png")
    d.execute_script("window.fetch = window.__fetch;")
    wait_visible(d, "wl-retry").click()
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rows(drv)) >= 2)

    # Refused (403): says so, without a retry button.
    d.execute_script(
        "window.fetch = () => Promise.resolve(new Response(JSON.stringify({error: {code: 'forbidden', message: '没有权限'}}),"
        " {status: 403, headers: {'Content-Type': 'application/json'}}));"
    )
    wait_visible(d, "wl-refresh").click()
    error = wait_visible(d, "worklist-error")
    assert error.get_attribute("data-kind") == "forbidden"
    assert "没有查看检查的权限" in error.text
    assert d.find_elements(By.CSS_SELECTOR, css_testid("wl-retry")) == []
    screenshot(d, "45-worklist-forbidden.png")
    d.execute_script("window.fetch = window.__fetch;")

    # 重置 goes back to today's studies.
    wait_visible(d, "worklist-page").find_element(By.CSS_SELECTOR, css_testid("wl-reset")).click()
    idle(d)
    WebDriverWait(d, TIMEOUT).until(lambda drv: drv.current_url.endswith("#/worklist"))
    assert "active" in wait_visible(d, "wl-range-today").get_attribute("class")
    assert not d.find_element(By.CSS_SELECTOR, css_testid("wl-custom-range")).is_displayed()

    # A reload keeps a search given in the route; in English the page speaks English.
    d.execute_script("localStorage.setItem('yy.lang', 'en');")
    go(d, "/worklist?name=zhang&range=custom&from=2024-01-01&to=2025-12-31")
    d.refresh()
    wait_visible(d, "worklist-page")
    idle(d)
    WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: len(rows(drv)) >= 2)
    assert wait_visible(d, "wl-name").get_attribute("value") == "zhang"
    assert "Study list" in wait_visible(d, "page-title").text or "Worklist" in wait_visible(d, "page-title").text
    assert within(rows(d)[0], "wl-open").text == "View"
    assert within(rows(d)[0], "wl-age").text == "59 y"
    wait_text(d, "wl-summary", f"{len(rows(d))} studies")
    screenshot(d, "46-worklist-en.png")
    d.execute_script("localStorage.setItem('yy.lang', 'zh-CN');")
