"""Browser test of 关键图像 (VIEW-10) against a real server.

Starts its own server like test_viewer_measure.py (ports 19710/19711 unless YUNYING_VIEWER_KEYIMAGES_E2E_PORT says
otherwise) with the same 40-slice synthetic CT, signs in as the demo attending (report.write) through the staff login,
then marks two images (toolbar button and the K key), checks the star badge and the 关键图像 panel, saves them as a
Key Object Selection document, reloads the page and finds both marked again, and checks through the API that the
document exists and lists the two images. A user without report.write (the demo technologist) sees the save button
disabled with the tooltip 需要书写报告权限.
Screenshots: Tests/e2e/artifacts/30-viewer-keyimages*.png.
"""

import os
import shutil
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, ADMIN_PASSWORD, SLOW, make_ct, wait_port

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_KEYIMAGES_E2E_PORT", "19710"))
DICOM_PORT = HTTP_PORT + 1
ATTENDING_PASSWORD = "Att#Yunying2026x"
TECH_PASSWORD = "Tec#Yunying2026x"

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


def first_login(base, user, new_password):
    """The demo users must change the initial password at first login; returns an API session with the new one."""
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": user, "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": new_password})
    assert c.status_code in (200, 204), c.text
    api = requests.Session()
    login = api.post(base + "/api/auth/login", json={"username": user, "password": new_password})
    assert login.status_code == 200, login.text
    api.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    return api


@pytest.fixture(scope="module")
def key_server():
    data = tempfile.mkdtemp(prefix="yy-keyimages-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        files = make_ct(os.path.join(data, "ct"))
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(DICOM_PORT), *files],
                           capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
        assert r.returncode == 0, r.stderr
        study = None
        for f in files:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            if "LOCALIZER" not in list(ds.ImageType):
                study = ds.StudyInstanceUID
        api = first_login(base, "attending", ATTENDING_PASSWORD)
        first_login(base, "tech", TECH_PASSWORD)
        yield {"base": base, "study": study, "api": api}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def state(d):
    return d.execute_script("return window.viewerTest ? window.viewerTest.state() : null")


def keys_of(d):
    return d.execute_script("return window.viewerTest.keyImages()")


def wait_loaded(d, index=None):
    WebDriverWait(d, SLOW).until(lambda d: state(d) and state(d)["cells"] and state(d)["cells"][0]["loaded"]
                                 and (index is None or state(d)["cells"][0]["index"] == index))
    return state(d)["cells"][0]


def key(d, *keys):
    d.find_element(By.TAG_NAME, "body").send_keys(*keys)


def open_viewer(d, srv, user, password):
    d.get(f"{srv['base']}/viewer/?study={srv['study']}")
    WebDriverWait(d, SLOW).until(lambda d: "/#/login" in d.current_url)
    wait_visible(d, "login-username", SLOW).send_keys(user)
    wait_visible(d, "login-password").send_keys(password)
    wait_visible(d, "login-submit").click()
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url)
    return wait_loaded(d)


def test_mark_save_reload(browser, key_server):
    srv = key_server
    open_viewer(browser, srv, "attending", ATTENDING_PASSWORD)
    assert "关键图像" in wait_visible(browser, "tool-keyImage").get_attribute("data-tip")
    WebDriverWait(browser, SLOW).until(lambda d: keys_of(d)["canSave"])
    assert keys_of(browser)["marks"] == []

    # Mark image 3 with the toolbar button, image 11 with K.
    key(browser, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    first = wait_loaded(browser, 2)
    wait_visible(browser, "tool-keyImage").click()
    WebDriverWait(browser, SLOW).until(lambda d: len(keys_of(d)["marks"]) == 1 and keys_of(d)["badges"] == [True])
    assert "on" in browser.find_element(By.CSS_SELECTOR, css_testid("tool-keyImage")).get_attribute("class")
    key(browser, Keys.PAGE_DOWN)
    WebDriverWait(browser, SLOW).until(lambda d: keys_of(d)["badges"] == [False])
    second = wait_loaded(browser, 12)
    key(browser, "k")
    WebDriverWait(browser, SLOW).until(lambda d: len(keys_of(d)["marks"]) == 2 and keys_of(d)["badges"] == [True])
    marks = keys_of(browser)["marks"]
    assert [m["sop"] for m in marks] == [first["sop"], second["sop"]]
    assert all(m["series"] == first["series"] for m in marks)
    # K again unmarks, K once more marks it back.
    key(browser, "k")
    WebDriverWait(browser, SLOW).until(lambda d: len(keys_of(d)["marks"]) == 1 and keys_of(d)["badges"] == [False])
    key(browser, "k")
    WebDriverWait(browser, SLOW).until(lambda d: len(keys_of(d)["marks"]) == 2)

    items = browser.find_elements(By.CSS_SELECTOR, css_testid("key-item"))
    assert [i.get_attribute("data-sop") for i in items] == [first["sop"], second["sop"]]
    assert "第 3 张" in items[0].text and "第 13 张" in items[1].text
    WebDriverWait(browser, SLOW).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('.vw-key-thumb')].every(i => i.complete && i.naturalWidth > 0)"))
    # Clicking a mark jumps to it.
    items[0].click()
    wait_loaded(browser, 2)

    wait_visible(browser, "key-description").send_keys("左肺结节")
    save = wait_visible(browser, "key-save")
    assert save.is_enabled()
    save.click()
    WebDriverWait(browser, SLOW).until(lambda d: "关键图像文档已保存" in (d.execute_script(
        "return document.querySelector('[data-testid=viewer-toast]')?.textContent") or ""))
    screenshot(browser, "30-viewer-keyimages.png")

    # On the server: a KOS document listing both images, and a KO series in the study.
    doc = srv["api"].get(f"{srv['base']}/api/viewer/studies/{srv['study']}/key-images").json()
    assert len(doc["items"]) == 1, doc
    kos = doc["items"][0]
    assert sorted(i["sopInstanceUID"] for i in kos["items"]) == sorted([first["sop"], second["sop"]])
    assert kos["description"] == "左肺结节" and kos["sopInstanceUID"]
    series = srv["api"].get(f"{srv['base']}/dicomweb/studies/{srv['study']}/series", headers={"Accept": "application/dicom+json"}).json()
    ko = [s for s in series if s.get("00080060", {}).get("Value") == ["KO"]]
    assert len(ko) == 1 and ko[0]["0020000E"]["Value"] == [kos["seriesUID"]]

    # Reload: both marked again (the newest selection), the KO series is listed but not as an image series.
    browser.refresh()
    wait_loaded(browser)
    WebDriverWait(browser, SLOW).until(lambda d: len(keys_of(d)["marks"]) == 2 and all(m["series"] for m in keys_of(d)["marks"]))
    assert sorted(m["sop"] for m in keys_of(browser)["marks"]) == sorted([first["sop"], second["sop"]])
    assert browser.find_element(By.CSS_SELECTOR, css_testid("key-description")).get_attribute("value") == "左肺结节"
    ko_card = browser.find_element(By.CSS_SELECTOR, f"[data-series='{kos['seriesUID']}']")
    assert "disabled" in ko_card.get_attribute("class")
    key(browser, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    wait_loaded(browser, 2)
    WebDriverWait(browser, SLOW).until(lambda d: keys_of(d)["badges"] == [True])
    WebDriverWait(browser, SLOW).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('.vw-key-thumb')].every(i => i.complete && i.naturalWidth > 0)"))
    screenshot(browser, "30-viewer-keyimages-reloaded.png")


def test_save_needs_report_write(browser, key_server):
    srv = key_server
    open_viewer(browser, srv, "tech", TECH_PASSWORD)
    WebDriverWait(browser, SLOW).until(lambda d: len(keys_of(d)["marks"]) == 2)  # the attending's saved selection
    save = wait_visible(browser, "key-save")
    WebDriverWait(browser, SLOW).until(lambda d: d.find_element(By.CSS_SELECTOR, css_testid("key-save")).get_attribute("title") == "需要书写报告权限")
    assert not save.is_enabled()
    assert keys_of(browser)["canSave"] is False
    screenshot(browser, "30-viewer-keyimages-no-permission.png")
