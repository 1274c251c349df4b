"""Browser test of the viewer's study export (VIEW-29 批量导出 JPEG, VIEW-30 导出原始 DICOM) and department window/level
presets (VIEW-15) against a real server (issue #6).

Starts its own server like test_viewer_sync.py (ports 19780/19781 unless YUNYING_VIEWER_EXPORT_E2E_PORT says otherwise)
with the synthetic CT study (a localizer, series 1, and 40 axial slices, series 2). Then:
  - 科室预设: the department head (科主任, viewer.presets.manage) sees 科室：放射科 and 编辑科室预设… in the presets menu;
    in the editor a width of 0 is refused by the server and the message is shown at that row; a new preset is added
    (头颈CTA 700/200, moved up to key 0), 骨窗's width changed to 2000, and saved. After a reload the menu, the help table,
    the digit keys 0 and 2 and the corner label use the department list, and the editor says who changed it last;
    用当前窗 fills a row from the active viewport. A resident of 放射科 gets the same list and no edit entry.
    恢复系统默认 (asked twice) deletes the list: the built-in presets and keys are back at once.
  - 导出检查: one series as JPEG in the current window (肺窗 −600/1500) downloads as a ZIP with exactly that series'
    40 JPEGs, byte for byte what the server renders in that window and not the images' own window; the whole study as
    original DICOM downloads as a ZIP with a DICOMDIR that pydicom reads and all 41 objects; a study gone meanwhile
    (QIDO-RS answering 404, simulated in the page) is said in words and nothing is downloaded.
Screenshots: Tests/e2e/artifacts/80…8a-viewer-*.png.
"""

import io
import os
import shutil
import subprocess
import tempfile
import time
import zipfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_gone, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, ADMIN_PASSWORD, SLOW, make_ct, wait_port

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_EXPORT_E2E_PORT", "19780"))
DICOM_PORT = HTTP_PORT + 1
RESIDENT_PASSWORD = "Res#Yunying2026x"

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


def api_session(base, user, first, new):
    """Signs a demo user in over the API and sets the password they must change at first login."""
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": user, "password": first})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    c = s.post(base + "/api/me/password", json={"currentPassword": first, "newPassword": new})
    assert c.status_code in (200, 204), c.text
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": user, "password": new})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    return s


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-export-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    downloads = tempfile.mkdtemp(prefix="yy-export-dl-")
    try:
        wait_port(base + "/healthz")
        files = make_ct(os.path.join(data, "ct"))
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(DICOM_PORT), *files],
                           capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
        assert r.returncode == 0, r.stderr
        head = api_session(base, "head", DEMO_PASSWORD, HEAD_PASSWORD)
        api_session(base, "resident", DEMO_PASSWORD, RESIDENT_PASSWORD)
        datasets = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
        axial = [ds for ds in datasets if "LOCALIZER" not in list(ds.ImageType)]
        yield {"base": base, "study": axial[0].StudyInstanceUID, "axial": axial, "all": datasets, "head": head,
               "downloads": downloads}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)


# ---------------------------------------------------------------- browser helpers

def state(d):
    return d.execute_script("return window.viewerTest ? window.viewerTest.state() : null")


def wait_loaded(d, i=0):
    def ok(d):
        s = state(d)
        return bool(s and len(s["cells"]) > i and s["cells"][i]["loaded"])
    WebDriverWait(d, SLOW).until(ok)
    return state(d)["cells"][i]


def open_as(d, server, user, password):
    d.get(f"{server['base']}/viewer/?study={server['study']}")
    WebDriverWait(d, SLOW).until(lambda d: "/#/login" in d.current_url)
    wait_visible(d, "login-username", SLOW).send_keys(user)
    wait_visible(d, "login-password").send_keys(password)
    wait_visible(d, "login-submit").click()
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url)
    return wait_loaded(d)


def presets_loaded(d):
    """The department answer has arrived (the menu then names the department)."""
    WebDriverWait(d, SLOW).until(lambda d: d.execute_script(
        "return fetch('/api/viewer/presets').then(r => r.ok)") is True)
    time.sleep(0.3)


def open_presets_menu(d):
    if not d.find_elements(By.CSS_SELECTOR, css_testid("menu-presets")):
        wait_visible(d, "tool-presets").click()
    return wait_visible(d, "menu-presets")


def close_menu(d):
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_gone(d, "menu-presets")


def rows(d):
    return d.find_elements(By.CSS_SELECTOR, css_testid("preset-row"))


def set_input(row, testid, value):
    el = row.find_element(By.CSS_SELECTOR, css_testid(testid))
    el.clear()
    el.send_keys(str(value))


def corner_text(d):
    return d.find_elements(By.CSS_SELECTOR, css_testid("viewport"))[0].text


def press(d, key):
    d.find_element(By.TAG_NAME, "body").send_keys(key)


def wait_download(folder, suffix, before):
    end = time.time() + SLOW * 2
    while time.time() < end:
        done = [f for f in os.listdir(folder) if f.endswith(suffix) and f not in before]
        busy = [f for f in os.listdir(folder) if f.endswith(".crdownload")]
        if done and not busy:
            time.sleep(0.3)
            return os.path.join(folder, done[0])
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded: {os.listdir(folder)}")


# ---------------------------------------------------------------- tests

def test_department_head_edits_presets_and_everyone_in_the_department_uses_them(browser, server):
    d = browser
    open_as(d, server, "head", HEAD_PASSWORD)
    presets_loaded(d)
    menu = open_presets_menu(d)
    WebDriverWait(d, SLOW).until(lambda d: d.find_elements(By.CSS_SELECTOR, css_testid("preset-department")))
    head = menu.find_element(By.CSS_SELECTOR, css_testid("preset-department")).text
    assert "科室：放射科" in head and "系统默认" in head, head
    assert "肺窗" in menu.text
    screenshot(d, "80-viewer-presets-menu-head.png")
    wait_visible(d, "preset-edit-department").click()

    dlg = wait_visible(d, "preset-editor")
    assert len(rows(d)) == 10, "the editor starts from the built-in list"
    assert "尚未自定义" in wait_visible(d, "preset-editor-meta").text
    names = [r.find_element(By.CSS_SELECTOR, css_testid("preset-name")).get_attribute("value") for r in rows(d)]
    assert names[:4] == ["头颅（脑窗）", "骨窗", "纵隔", "肺窗"], names
    screenshot(d, "81-viewer-preset-editor.png")

    # 骨窗 wider, a new preset at the end, then moved up to the tenth place (key 0).
    set_input(rows(d)[1], "preset-width", 2000)
    wait_visible(d, "preset-add").click()
    assert len(rows(d)) == 11
    new = rows(d)[10]
    set_input(new, "preset-name", "头颈CTA")
    set_input(new, "preset-nameEn", "Neck CTA")
    set_input(new, "preset-width", 700)
    set_input(new, "preset-center", 200)
    rows(d)[10].find_element(By.CSS_SELECTOR, css_testid("preset-up")).click()
    assert rows(d)[9].find_element(By.CSS_SELECTOR, css_testid("preset-name")).get_attribute("value") == "头颈CTA"
    assert rows(d)[9].find_element(By.CSS_SELECTOR, "kbd").text == "0"
    assert rows(d)[10].find_element(By.CSS_SELECTOR, css_testid("preset-name")).get_attribute("value") == "四肢"

    # The server refuses a width of 0: its message appears under the third row, the input marked.
    set_input(rows(d)[2], "preset-width", 0)
    wait_visible(d, "preset-save").click()
    err = WebDriverWait(d, SLOW).until(lambda d: d.find_elements(By.CSS_SELECTOR, css_testid("preset-row-error")))[0]
    assert err.get_attribute("data-row") == "2"
    assert "窗宽" in err.text and "1 到 65536" in err.text, err.text
    assert "invalid" in rows(d)[2].find_element(By.CSS_SELECTOR, css_testid("preset-width")).get_attribute("class")
    assert "标红" in wait_visible(d, "preset-editor-error").text
    screenshot(d, "82-viewer-preset-editor-error.png")
    set_input(rows(d)[2], "preset-width", 400)
    wait_visible(d, "preset-save").click()
    wait_gone(d, "preset-editor", SLOW)
    assert "科室预设已保存" in wait_visible(d, "viewer-toast").text

    saved = server["head"].get(server["base"] + "/api/viewer/presets").json()
    assert [p["name"] for p in saved["presets"]][8:] == ["鼻咽", "头颈CTA", "四肢"]
    assert saved["presets"][1]["width"] == 2000 and saved["presets"][9]["nameEn"] == "Neck CTA"

    # After a reload: the menu, the digit keys, the corner label and the help table use the department list.
    d.refresh()
    wait_loaded(d)
    presets_loaded(d)
    menu = open_presets_menu(d)
    WebDriverWait(d, SLOW).until(lambda d: "头颈CTA" in d.find_element(By.CSS_SELECTOR, css_testid("menu-presets")).text)
    menu = d.find_element(By.CSS_SELECTOR, css_testid("menu-presets"))
    head = menu.find_element(By.CSS_SELECTOR, css_testid("preset-department")).text
    assert head == "科室：放射科", head
    item = menu.find_element(By.CSS_SELECTOR, css_testid("preset-custom-1"))
    assert "窗宽 700 窗位 200" in item.text and item.find_element(By.TAG_NAME, "kbd").text == "0"
    assert "窗宽 2000 窗位 400" in menu.find_element(By.CSS_SELECTOR, css_testid("preset-bone")).text
    screenshot(d, "83-viewer-presets-menu-department.png")
    close_menu(d)

    press(d, "0")
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cells"][0]["window"]["width"] == 700)
    assert state(d)["cells"][0]["window"]["center"] == 200
    WebDriverWait(d, SLOW).until(lambda d: "(头颈CTA)" in corner_text(d))
    press(d, "2")
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cells"][0]["window"]["width"] == 2000)
    WebDriverWait(d, SLOW).until(lambda d: "(骨窗)" in corner_text(d))
    screenshot(d, "84-viewer-presets-key.png")
    press(d, "?")
    help_table = wait_visible(d, "help-presets").text
    assert "头颈CTA" in help_table and "窗宽 2000 窗位 400" in help_table
    d.find_element(By.CSS_SELECTOR, css_testid("help-dialog-close")).click()
    wait_gone(d, "help-dialog")

    # The editor says who changed the list; 用当前窗 fills a row from the active viewport (骨窗 now).
    open_presets_menu(d)
    wait_visible(d, "preset-edit-department").click()
    wait_visible(d, "preset-editor")
    meta = wait_visible(d, "preset-editor-meta").text
    assert "上次修改：黄卫东" in meta, meta
    assert len(rows(d)) == 11
    rows(d)[0].find_element(By.CSS_SELECTOR, css_testid("preset-from-view")).click()
    assert rows(d)[0].find_element(By.CSS_SELECTOR, css_testid("preset-width")).get_attribute("value") == "2000"
    assert rows(d)[0].find_element(By.CSS_SELECTOR, css_testid("preset-center")).get_attribute("value") == "400"
    wait_visible(d, "preset-cancel").click()
    wait_gone(d, "preset-editor")


def test_resident_sees_the_department_list_but_cannot_edit_it(browser, server):
    d = browser
    open_as(d, server, "resident", RESIDENT_PASSWORD)
    presets_loaded(d)
    open_presets_menu(d)
    WebDriverWait(d, SLOW).until(lambda d: "头颈CTA" in d.find_element(By.CSS_SELECTOR, css_testid("menu-presets")).text)
    menu = d.find_element(By.CSS_SELECTOR, css_testid("menu-presets"))
    assert menu.find_element(By.CSS_SELECTOR, css_testid("preset-department")).text == "科室：放射科"
    assert not d.find_elements(By.CSS_SELECTOR, css_testid("preset-edit-department")), "no edit entry for a resident"
    screenshot(d, "85-viewer-presets-resident.png")
    close_menu(d)
    press(d, "0")
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cells"][0]["window"]["width"] == 700)


def test_export_one_series_as_jpeg_and_the_study_as_dicom(browser, server):
    d = browser
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": server["downloads"]})
    first = open_as(d, server, "head", HEAD_PASSWORD)
    axial_uid = server["axial"][0].SeriesInstanceUID
    assert first["series"] == axial_uid, "the axial series is in the first viewport"
    # 肺窗 through 自定义窗宽窗位 (the window a reader sets by hand).
    open_presets_menu(d)
    wait_visible(d, "preset-custom").click()
    w = wait_visible(d, "window-dialog-width")
    w.clear()
    w.send_keys("1500")
    c = wait_visible(d, "window-dialog-center")
    c.clear()
    c.send_keys("-600")
    wait_visible(d, "window-dialog-ok").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cells"][0]["window"]["center"] == -600)

    wait_visible(d, "tool-exportStudy").click()
    dlg = wait_visible(d, "study-export-dialog")
    series_rows = dlg.find_elements(By.CSS_SELECTOR, css_testid("export-series"))
    assert len(series_rows) == 2
    assert "全部序列（2 个序列，41 张图像）" in dlg.text
    assert "将导出 2 个序列，共 41 张图像" in wait_visible(d, "export-summary").text
    WebDriverWait(d, SLOW).until(lambda d: all(d.execute_script(
        "return [...arguments[0].querySelectorAll('img')].map(i => i.complete && i.naturalWidth > 0)", dlg)))
    screenshot(d, "86-viewer-export-dialog.png")

    # JPEG of series 2 in the current window.
    wait_visible(d, "export-format-jpeg").click()
    wait_visible(d, "export-scope-some").click()
    boxes = {r.get_attribute("data-number"): r.find_element(By.CSS_SELECTOR, "input[type=checkbox]") for r in dlg.find_elements(By.CSS_SELECTOR, css_testid("export-series"))}
    assert boxes["2"].is_selected() and not boxes["1"].is_selected(), "the active viewport's series is preselected"
    current = wait_visible(d, "export-window-current")
    assert "窗宽 1500 窗位 -600" in current.text
    assert current.find_element(By.TAG_NAME, "input").is_selected(), "a window the reader set is the default for JPEG"
    assert "将导出 1 个序列，共 40 张图像" in wait_visible(d, "export-summary").text
    screenshot(d, "87-viewer-export-jpeg.png")
    before = set(os.listdir(server["downloads"]))
    wait_visible(d, "export-download").click()
    WebDriverWait(d, SLOW).until(lambda d: "已开始下载" in d.find_element(By.CSS_SELECTOR, css_testid("export-status")).text)
    path = wait_download(server["downloads"], "_JPEG.zip", before)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        names = sorted(n for n in z.namelist() if not n.endswith("/"))
        got = {n: z.read(n) for n in names}
    assert len(names) == 40 and all(n.endswith(".jpg") for n in names), names
    assert len({n.split("/")[0] for n in names}) == 1 and names[0].startswith("S2_CT"), names[:3]
    for blob in got.values():
        assert blob[:3] == b"\xff\xd8\xff"
    # The same bytes as the server's export in the lung window, and not its export in the images' own window.
    base = f"{server['base']}/api/viewer/studies/{server['study']}/export?format=jpeg&series={axial_uid}"
    lung = zipfile.ZipFile(io.BytesIO(server["head"].get(base + "&window=-600,1500").content))
    own = zipfile.ZipFile(io.BytesIO(server["head"].get(base).content))
    assert all(lung.read(n) == got[n] for n in names), "the current window went into the export"
    assert any(own.read(n) != got[n] for n in names)

    # Original DICOM, every series, with a DICOMDIR.
    wait_visible(d, "export-format-dicom").click()
    wait_visible(d, "export-scope-all").click()
    assert not d.find_element(By.CSS_SELECTOR, css_testid("export-window")).is_displayed(), "no window for DICOM"
    assert "将导出 2 个序列，共 41 张图像" in wait_visible(d, "export-summary").text
    before = set(os.listdir(server["downloads"]))
    WebDriverWait(d, SLOW).until(lambda d: d.find_element(By.CSS_SELECTOR, css_testid("export-download")).is_enabled())
    wait_visible(d, "export-download").click()
    path = wait_download(server["downloads"], "_DICOM.zip", before)
    out = tempfile.mkdtemp(prefix="yy-export-dicom-")
    try:
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            names = z.namelist()
            z.extractall(out)
        assert "DICOMDIR" in names, names[:5]
        objects = [n for n in names if n.startswith("DICOM/") and not n.endswith("/")]
        assert len(objects) == 41
        from pydicom.fileset import FileSet
        fs = FileSet(pydicom.dcmread(os.path.join(out, "DICOMDIR")))
        sops = {inst.SOPInstanceUID for inst in fs}
        assert sops == {ds.SOPInstanceUID for ds in server["all"]}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    screenshot(d, "89-viewer-export-started.png")

    # A study deleted meanwhile: the check before the download says so in words, and nothing is downloaded.
    d.execute_script("""
        const real = window.fetch;
        window.fetch = (url, init) => String(url).includes('/series?')
          ? Promise.resolve(new Response('{"error":{"code":"not_found","message":"未找到该检查"}}', { status: 404 }))
          : real(url, init);
    """)
    before = set(os.listdir(server["downloads"]))
    WebDriverWait(d, SLOW).until(lambda d: d.find_element(By.CSS_SELECTOR, css_testid("export-download")).is_enabled())
    wait_visible(d, "export-download").click()
    WebDriverWait(d, SLOW).until(lambda d: "已不存在" in d.find_element(By.CSS_SELECTOR, css_testid("export-status")).text)
    assert "error" in d.find_element(By.CSS_SELECTOR, css_testid("export-status")).get_attribute("class")
    screenshot(d, "8a-viewer-export-not-found.png")
    time.sleep(1)
    assert set(os.listdir(server["downloads"])) == before


def test_department_head_restores_the_builtin_presets(browser, server):
    d = browser
    open_as(d, server, "head", HEAD_PASSWORD)
    presets_loaded(d)
    open_presets_menu(d)
    WebDriverWait(d, SLOW).until(lambda d: "头颈CTA" in d.find_element(By.CSS_SELECTOR, css_testid("menu-presets")).text)
    wait_visible(d, "preset-edit-department").click()
    wait_visible(d, "preset-editor")
    reset = wait_visible(d, "preset-reset")
    reset.click()
    assert reset.text == "确认恢复系统默认？", "the first click only asks"
    assert server["head"].get(server["base"] + "/api/viewer/presets").json()["presets"] is not None
    reset.click()
    wait_gone(d, "preset-editor", SLOW)
    assert "已恢复系统默认预设" in wait_visible(d, "viewer-toast").text
    assert server["head"].get(server["base"] + "/api/viewer/presets").json()["presets"] is None
    menu = open_presets_menu(d)
    assert "系统默认" in menu.find_element(By.CSS_SELECTOR, css_testid("preset-department")).text
    assert "头颈CTA" not in menu.text and "窗宽 1800 窗位 400" in menu.find_element(By.CSS_SELECTOR, css_testid("preset-bone")).text
    close_menu(d)
    press(d, "0")
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cells"][0]["window"] == {"center": 300, "width": 1500, "fn": "LINEAR"})
