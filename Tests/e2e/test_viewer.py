"""Browser test of the diagnostic viewer (/viewer/, issue #6) against a real server with a real CT series.

Starts its own server (the binary at .build/debug/yunying, like Tests/interop/yyserver.py: `yunying demo
--password …` before `serve`, own data directory, ports 19640/19641 unless YUNYING_VIEWER_E2E_PORT says otherwise),
sends a 40-slice synthetic CT with DCMTK storescu, and signs in as the demo department head (study.view) through
the staff login page. Then:
  - opening the viewer without a session goes to the staff login and, once signed in, back to the study;
  - the first image appears (exact pixels, not only the JPEG preview), the study browser lists the series;
  - wheel and keyboard paging move through the stack;
  - the 肺窗 preset from the toolbar menu sets W 1500 / L −600, and a read-back canvas pixel equals the PS3.3
    window of the stored value, which is checked against the DICOM file itself (pydicom);
  - layouts 2×2 and 1×2, the tag browser, the help dialog, invert, and the 404 page for an unknown study.
Screenshots: Tests/e2e/artifacts/20-viewer-*.png.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from fractions import Fraction
from math import floor
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("YUNYING_BIN", str(ROOT / ".build/debug/yunying"))
STORESCU = "/usr/bin/storescu"
MAKE_DATASET = Path("/work/shared/testdata/make_dataset.py")
HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_E2E_PORT", "19640"))
DICOM_PORT = HTTP_PORT + 1
ADMIN_PASSWORD = "View#Yunying2026"
DEMO_PASSWORD = "Demo#2026pwA"
HEAD_PASSWORD = "Rad#Yunying2026x"
SLOW = 30

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


def wait_port(url, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def make_ct(out):
    """40 axial CT slices (512², signed 16-bit, rescale −1024) plus a localizer."""
    if MAKE_DATASET.exists():
        subprocess.run([sys.executable, str(MAKE_DATASET), "--out", out, "--patients", "1", "--modalities", "ct", "--ct-slices", "40"],
                       check=True, capture_output=True)
        return sorted(str(p) for p in Path(out).rglob("*.dcm"))
    sys.path.insert(0, str(ROOT / "Tests/interop"))
    import synthetic  # noqa: E402

    return [str(f) for f in synthetic.make(out, ct_slices=40, mr_slices=0)]


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-viewer-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_WEB_DIR=str(ROOT / "Web"))
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
        # The demo head must change the first password; do it once over the API, then sign in through the page.
        s = requests.Session()
        login = s.post(base + "/api/auth/login", json={"username": "head", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": HEAD_PASSWORD})
        assert c.status_code in (200, 204), c.text
        by_sop = {}
        for f in files:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            by_sop[ds.SOPInstanceUID] = f
        axial = [f for f in files if "LOCALIZER" not in list(pydicom.dcmread(f, stop_before_pixels=True).ImageType)]
        study = pydicom.dcmread(axial[0], stop_before_pixels=True).StudyInstanceUID
        yield {"base": base, "study": study, "files": by_sop, "slices": len(axial)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def state(driver):
    return driver.execute_script("return window.viewerTest ? window.viewerTest.state() : null")


def wait_loaded(driver, cell=0, index=None):
    def ok(d):
        s = state(d)
        if not s or len(s["cells"]) <= cell:
            return False
        c = s["cells"][cell]
        return c["loaded"] and (index is None or c["index"] == index)
    WebDriverWait(driver, SLOW).until(ok)
    return state(driver)["cells"][cell]


def sign_in(driver, base):
    wait_visible(driver, "login-username", SLOW).send_keys("head")
    wait_visible(driver, "login-password").send_keys(HEAD_PASSWORD)
    wait_visible(driver, "login-submit").click()


def ps33_byte(x, center, width):
    """PS3.3 C.11.2.1.2 LINEAR, exact rationals, output 0…255 rounded half up."""
    half = Fraction(1, 2)
    c, w = Fraction(center), Fraction(width)
    if x <= c - half - (w - 1) / 2:
        return 0
    if x > c - half + (w - 1) / 2:
        return 255
    return max(0, min(255, floor(((x - (c - half)) / (w - 1) + half) * 255 + half)))


def open_viewer(browser, server):
    """Viewer URL without a session → staff login → back to the viewer with the study."""
    url = f"{server['base']}/viewer/?study={server['study']}"
    browser.get(url)
    WebDriverWait(browser, SLOW).until(lambda d: "/#/login" in d.current_url)
    sign_in(browser, server["base"])
    WebDriverWait(browser, SLOW).until(lambda d: "/viewer/" in d.current_url)
    assert server["study"] in browser.current_url
    return wait_loaded(browser)


def test_viewer_shows_pages_and_windows_a_ct_exactly(browser, server):
    first = open_viewer(browser, server)
    s = state(browser)
    assert s["study"] == server["study"] and s["layout"] == "1x1"
    assert first["count"] == server["slices"], "the biggest series (the axial stack) is hung first"
    assert first["window"]["center"] == 40 and first["window"]["width"] == 400, "the image's own first window"
    assert s["firstImageMs"] is not None
    cards = browser.find_elements(By.CSS_SELECTOR, css_testid("series-card"))
    assert len(cards) == 2
    assert "张三" in wait_visible(browser, "patient-name").text
    tl = browser.find_element(By.CSS_SELECTOR, css_testid("corner-tl")).text
    tr = browser.find_element(By.CSS_SELECTOR, css_testid("corner-tr")).text
    assert "张三" in tl and "P0000001" in tl
    assert f"图像 1/{server['slices']}" in tr
    screenshot(browser, "20-viewer-1x1.png")

    # Paging: the wheel over the image, then the keyboard.
    vp = browser.find_element(By.CSS_SELECTOR, css_testid("viewport"))
    for _ in range(3):
        ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(vp), 0, 100).perform()
        time.sleep(0.05)
    wait_loaded(browser, index=3)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    cell = wait_loaded(browser, index=5)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.PAGE_DOWN)
    cell = wait_loaded(browser, index=15)
    assert f"图像 16/{server['slices']}" in browser.find_element(By.CSS_SELECTOR, css_testid("corner-tr")).text

    # The lung preset from the toolbar menu.
    wait_visible(browser, "tool-presets").click()
    wait_visible(browser, "menu-presets")
    screenshot(browser, "21-viewer-presets-menu.png")
    wait_visible(browser, "preset-lung").click()
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["cells"][0]["window"]["width"] == 1500)
    cell = state(browser)["cells"][0]
    assert (cell["window"]["center"], cell["window"]["width"]) == (-600, 1500)
    assert "窗宽 1500 窗位 -600" in browser.find_element(By.CSS_SELECTOR, css_testid("corner-bl")).text

    # Read-back: what the canvas shows at image pixels equals the PS3.3 window of the value in the DICOM file.
    ds = pydicom.dcmread(server["files"][cell["sop"]])
    pixels = ds.pixel_array
    slope, intercept = Fraction(str(ds.RescaleSlope)), Fraction(str(ds.RescaleIntercept))
    checked = set()
    for column, row in ((256, 256), (256, 150), (150, 300), (100, 256), (400, 380), (256, 60)):
        p = browser.execute_script("return window.viewerTest.probe(0, arguments[0], arguments[1])", column, row)
        assert p is not None, (column, row)
        stored = int(pixels[row, column])
        assert p["stored"] == stored, f"decoded pixel ({column},{row}) differs from the file"
        want = ps33_byte(stored * slope + intercept, -600, 1500)
        assert p["rgba"][:3] == [want] * 3, f"pixel ({column},{row}) stored {stored}: canvas {p['rgba']}, want {want}"
        checked.add(want)
    assert len(checked) >= 2, f"the probe points should cover different grey levels, got {checked}"
    screenshot(browser, "22-viewer-lung-window.png")

    # Right-drag changes the window interactively.
    ActionChains(browser).move_to_element(vp).perform()
    browser.execute_script("""
        const el = arguments[0], r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
        const ev = (type, dx, dy, buttons) => el.dispatchEvent(new PointerEvent(type, { bubbles: true, button: 2, buttons, pointerId: 7, clientX: x + dx, clientY: y + dy }));
        ev('pointerdown', 0, 0, 2); ev('pointermove', 60, 0, 2); ev('pointermove', 60, 30, 2); ev('pointerup', 60, 30, 0);
    """, vp)
    w = state(browser)["cells"][0]["window"]
    assert w["width"] > 1500 and w["center"] > -600, w

    # Invert, then reset.
    browser.find_element(By.TAG_NAME, "body").send_keys("i")
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["cells"][0]["invert"])
    browser.find_element(By.TAG_NAME, "body").send_keys("r")
    WebDriverWait(browser, SLOW).until(lambda d: not state(d)["cells"][0]["invert"] and state(d)["cells"][0]["window"]["width"] == 400)


def test_viewer_layouts_tags_and_help(browser, server):
    open_viewer(browser, server)
    wait_visible(browser, "tool-layout").click()
    wait_visible(browser, "menu-layout")
    screenshot(browser, "23-viewer-layout-menu.png")
    wait_visible(browser, "layout-2x2").click()
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["layout"] == "2x2")
    wait_loaded(browser, cell=0)
    wait_loaded(browser, cell=1)
    s = state(browser)
    assert len(s["cells"]) == 4
    assert s["cells"][0]["series"] != s["cells"][1]["series"], "new cells get the series not yet shown"
    assert s["cells"][2]["series"] is None and s["cells"][3]["series"] is None
    # Drag-free placement: activate the third cell and click the axial series in the browser.
    viewports = browser.find_elements(By.CSS_SELECTOR, css_testid("viewport"))
    viewports[2].click()
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["active"] == 2)
    axial = [c for c in browser.find_elements(By.CSS_SELECTOR, css_testid("series-card")) if c.get_attribute("data-number") == "2"][0]
    axial.click()
    wait_loaded(browser, cell=2)
    browser.execute_script("window.viewerTest.select(2)")
    wait_visible(browser, "tool-presets").click()
    wait_visible(browser, "preset-bone").click()
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(20):
        body.send_keys(Keys.ARROW_DOWN)
    wait_loaded(browser, cell=2, index=20)
    screenshot(browser, "24-viewer-2x2.png")

    body.send_keys("t")
    wait_visible(browser, "tags-dialog")
    rows = browser.find_elements(By.CSS_SELECTOR, f"{css_testid('tags-dialog')} tbody tr")
    assert len(rows) > 40
    screenshot(browser, "25-viewer-tags.png")
    browser.find_element(By.CSS_SELECTOR, css_testid("tags-filter")).send_keys("PatientName")
    WebDriverWait(browser, SLOW).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{css_testid('tags-dialog')} tbody tr")) == 1)
    assert "张三" in browser.find_element(By.CSS_SELECTOR, f"{css_testid('tags-dialog')} tbody tr").text
    wait_visible(browser, "tags-dialog-close").click()

    wait_visible(browser, "tool-help").click()
    wait_visible(browser, "help-dialog")
    assert "肺窗" in browser.find_element(By.CSS_SELECTOR, css_testid("help-dialog")).text
    screenshot(browser, "26-viewer-help.png")
    wait_visible(browser, "help-dialog-close").click()

    wait_visible(browser, "tool-layout").click()
    wait_visible(browser, "layout-1x2").click()
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["layout"] == "1x2")
    wait_loaded(browser, cell=1)
    screenshot(browser, "27-viewer-1x2.png")


def test_viewer_unknown_study_says_so(browser, server):
    open_viewer(browser, server)
    browser.get(f"{server['base']}/viewer/?study=1.2.3.4.5.6.7")
    title = wait_visible(browser, "viewer-error-title", SLOW)
    assert title.text == "未找到该检查"
    wait_visible(browser, "viewer-retry")
    screenshot(browser, "28-viewer-not-found.png")
    browser.get(f"{server['base']}/viewer/?accession=NOPE-0001")
    WebDriverWait(browser, SLOW).until(lambda d: d.find_element(By.CSS_SELECTOR, css_testid("viewer-error-title")).text == "未找到该检查")
