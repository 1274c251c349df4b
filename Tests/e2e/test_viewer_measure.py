"""Browser test of the viewer's measurements and annotations (issue #6 part 5, VIEW-19/21/22/26) against a real server.

Starts its own server like test_viewer.py (ports 19910/19911 unless YUNYING_VIEWER_MEASURE_E2E_PORT says otherwise)
with the same 40-slice synthetic CT, signs in as the demo department head through the staff login, and then:
  - draws a length with pointer actions and checks the label against Pixel Spacing × pixel distance (pydicom);
  - draws an ellipse ROI and checks its mean / SD / min / max against numpy on the stored pixels of the DICOM file
    (pixel centres inside the ellipse, HU through Rescale Slope/Intercept);
  - a point probe shows the HU of the pixel under it;
  - the annotations reach the server (GET /api/viewer/studies/{uid}/annotations) and come back after a reload;
  - a horizontal flip moves the shapes and their labels with the image, labels stay next to their shapes;
  - select + Delete, the colour palette, and a save from "another window" (the API) gives the 409 notice with
    重新加载, which brings the server's copy.
Screenshots: Tests/e2e/artifacts/29-viewer-measure*.png.
"""

import math
import os
import shutil
import subprocess
import tempfile
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, ADMIN_PASSWORD, SLOW, make_ct, wait_port, sign_in

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_MEASURE_E2E_PORT", "19910"))
DICOM_PORT = HTTP_PORT + 1

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
np = pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


@pytest.fixture(scope="module")
def measure_server():
    data = tempfile.mkdtemp(prefix="yy-measure-")
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
        s = requests.Session()
        login = s.post(base + "/api/auth/login", json={"username": "head", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": HEAD_PASSWORD})
        assert c.status_code in (200, 204), c.text
        api = requests.Session()
        login = api.post(base + "/api/auth/login", json={"username": "head", "password": HEAD_PASSWORD})
        assert login.status_code == 200, login.text
        api.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        by_sop = {}
        study = None
        for f in files:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            by_sop[ds.SOPInstanceUID] = f
            if "LOCALIZER" not in list(ds.ImageType):
                study = ds.StudyInstanceUID
        yield {"base": base, "study": study, "files": by_sop, "api": api}
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


def shown(d):
    return d.execute_script("return window.viewerTest.annotations(0)")


def sync(d):
    return d.execute_script("return window.viewerTest.sync()")


def wait_loaded(d):
    WebDriverWait(d, SLOW).until(lambda d: state(d) and state(d)["cells"] and state(d)["cells"][0]["loaded"])
    return state(d)["cells"][0]


def client(d, x, y):
    p = d.execute_script("return window.viewerTest.toClient(0, arguments[0], arguments[1])", x, y)
    return round(p["x"]), round(p["y"])


def drag(d, points, pause=0.02):
    """Press at the first image point, move through the others, release at the last (real pointer events)."""
    ac = ActionChains(d, duration=30)
    ptr = ac.w3c_actions.pointer_action
    x, y = client(d, *points[0])
    ptr.move_to_location(x, y)
    ptr.pointer_down()
    for p in points[1:]:
        x, y = client(d, *p)
        ptr.move_to_location(x, y)
        ptr.pause(pause)
    ptr.pointer_up()
    ac.perform()


def click_at(d, x, y):
    ac = ActionChains(d, duration=20)
    ptr = ac.w3c_actions.pointer_action
    cx, cy = client(d, x, y)
    ptr.move_to_location(cx, cy)
    ptr.click()
    ac.perform()


def key(d, *keys):
    d.find_element(By.TAG_NAME, "body").send_keys(*keys)


def wait_saved(d, count):
    WebDriverWait(d, SLOW).until(lambda d: sync(d)["status"] == "saved" and sync(d)["count"] == count)


def ellipse_stats(pixels, slope, intercept, a, b):
    """Pixel centres inside the ellipse inscribed in the box a–b, as modality values (numpy, independent of the page)."""
    cx, cy = (a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2
    rx, ry = abs(b["x"] - a["x"]) / 2, abs(b["y"] - a["y"]) / 2
    rows, cols = pixels.shape
    jj, ii = np.mgrid[0:rows, 0:cols]
    inside = ((ii + 0.5 - cx) / rx) ** 2 + ((jj + 0.5 - cy) / ry) ** 2 <= 1
    v = pixels[inside].astype(np.float64) * slope + intercept
    return v.mean(), v.std(), v.min(), v.max(), int(inside.sum())


def box_gap(label, bounds):
    """Distance between a label box and a shape's bounding box (0 when they touch or overlap)."""
    dx = max(bounds["x"] - (label["x"] + label["width"]), label["x"] - (bounds["x"] + bounds["width"]), 0)
    dy = max(bounds["y"] - (label["y"] + label["height"]), label["y"] - (bounds["y"] + bounds["height"]), 0)
    return math.hypot(dx, dy)


def test_measure_draw_check_save_reload_flip(browser, measure_server):
    srv = measure_server
    browser.get(f"{srv['base']}/viewer/?study={srv['study']}")
    WebDriverWait(browser, SLOW).until(lambda d: "/#/login" in d.current_url)
    sign_in(browser, srv["base"])
    WebDriverWait(browser, SLOW).until(lambda d: "/viewer/" in d.current_url)
    cell = wait_loaded(browser)
    key(browser, Keys.PAGE_DOWN, Keys.PAGE_DOWN)  # a slice through the middle of the phantom
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["cells"][0]["index"] == 20 and state(d)["cells"][0]["loaded"])
    cell = state(browser)["cells"][0]
    ds = pydicom.dcmread(srv["files"][cell["sop"]])
    pixels = ds.pixel_array
    slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    row_mm, col_mm = (float(v) for v in ds.PixelSpacing)

    # The measurement group: buttons with Chinese tooltips naming the shortcut.
    assert "长度 (L)" in wait_visible(browser, "tool-length").get_attribute("data-tip")
    assert "椭圆" in browser.find_element(By.CSS_SELECTOR, css_testid("tool-ellipse")).get_attribute("data-tip")

    # Length (L): the label is Pixel Spacing × the pixel distance between the end points.
    key(browser, "l")
    WebDriverWait(browser, SLOW).until(lambda d: "on" in d.find_element(By.CSS_SELECTOR, css_testid("tool-length")).get_attribute("class"))
    drag(browser, [(150, 330), (250, 350), (362, 372)])
    WebDriverWait(browser, SLOW).until(lambda d: len(shown(d)) == 1)
    length = shown(browser)[0]
    assert length["type"] == "length" and length["color"] == "#ffd84a"
    (p, q) = length["points"]
    assert abs(p["x"] - 150) < 1 and abs(q["y"] - 372) < 1, length["points"]
    want = math.hypot((q["x"] - p["x"]) * col_mm, (q["y"] - p["y"]) * row_mm)
    assert length["lines"] == [f"{want:.2f} mm"], (length["lines"], want)
    assert abs(length["values"]["length"] - want) < 1e-9

    # Ellipse ROI (E): mean, SD, min, max in HU equal numpy on the file's pixels.
    key(browser, "e")
    drag(browser, [(200, 150), (260, 190), (330, 240)])
    WebDriverWait(browser, SLOW).until(lambda d: len(shown(d)) == 2)
    roi = [a for a in shown(browser) if a["type"] == "ellipse"][0]
    a, b = roi["points"]
    mean, sd, lo, hi, n = ellipse_stats(pixels, slope, intercept, a, b)
    v = roi["values"]
    assert v["count"] == n and n > 1000, (v["count"], n)
    assert abs(v["mean"] - mean) < 1e-6 and abs(v["sd"] - sd) < 1e-6, (v, mean, sd)
    assert v["min"] == lo and v["max"] == hi
    area = math.pi / 4 * abs(b["x"] - a["x"]) * abs(b["y"] - a["y"]) * col_mm * row_mm
    assert roi["lines"][0] == f"面积 {area / 100:.2f} cm²", roi["lines"]
    assert roi["lines"][1] == f"均值 {mean:.1f} HU  标准差 {sd:.1f}".replace("-0.0", "0.0"), roi["lines"]
    assert sd > 1, "the ROI should cover different tissues"

    # Point probe (P): the HU of the pixel under the pointer.
    key(browser, "p")
    click_at(browser, 256.5, 300.5)
    WebDriverWait(browser, SLOW).until(lambda d: len(shown(d)) == 3)
    probe = [a for a in shown(browser) if a["type"] == "probe"][0]
    px = probe["points"][0]
    hu = float(pixels[int(px["y"]), int(px["x"])]) * slope + intercept
    assert probe["lines"][0] == f"{hu:.0f} HU", (probe["lines"], hu)
    key(browser, Keys.ESCAPE)
    wait_saved(browser, 3)
    screenshot(browser, "29-viewer-measure.png")

    # On the server, per user and study.
    doc = srv["api"].get(f"{srv['base']}/api/viewer/studies/{srv['study']}/annotations").json()
    import json
    stored = json.loads(doc["annotations"])
    assert doc["version"] >= 1 and sorted(x["type"] for x in stored) == ["ellipse", "length", "probe"]

    # Reload: the annotations come back from the server with the same values.
    browser.refresh()
    wait_loaded(browser)
    key(browser, Keys.PAGE_DOWN, Keys.PAGE_DOWN)
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["cells"][0]["index"] == 20 and len(shown(d)) == 3)
    again = {a["type"]: a for a in shown(browser)}
    assert again["length"]["lines"] == length["lines"]
    assert again["ellipse"]["lines"] == roi["lines"]
    before = again

    # Flip: shapes mirror about the viewport centre, labels go with them and stay upright next to their shapes.
    view = state(browser)["cells"][0]["view"]
    key(browser, "h")
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["cells"][0]["view"]["flipH"])
    time.sleep(0.2)
    after = {a["type"]: a for a in shown(browser)}
    W = view["viewportWidth"]
    for t in ("length", "ellipse", "probe"):
        b0, b1 = before[t]["bounds"], after[t]["bounds"]
        assert abs((W - (b0["x"] + b0["width"])) - b1["x"]) < 1.5, (t, b0, b1)
        assert box_gap(after[t]["label"], b1) < 40, (t, after[t]["label"], b1)
    moved = after["ellipse"]["bounds"]["x"] - before["ellipse"]["bounds"]["x"]
    assert abs(moved) > 10, "the ellipse is off-centre, so the flip moves it"
    assert abs((after["ellipse"]["label"]["x"] - before["ellipse"]["label"]["x"]) - moved) < 2 or \
        after["ellipse"]["label"]["x"] < after["ellipse"]["bounds"]["x"], "its label moved with it"
    screenshot(browser, "29-viewer-measure-flipped.png")
    key(browser, "h")

    # Select the length by its line, give it a colour from the palette, then delete it with the Delete key.
    wait_visible(browser, "tool-stackScroll").click()
    mid = ((p["x"] + q["x"]) / 2, (p["y"] + q["y"]) / 2)
    click_at(browser, *mid)
    WebDriverWait(browser, SLOW).until(lambda d: sync(d)["selected"] == length["id"])
    wait_visible(browser, "tool-color").click()
    wait_visible(browser, "color-2").click()
    WebDriverWait(browser, SLOW).until(lambda d: {a["type"]: a for a in shown(d)}["length"]["color"] == "#4dd2ff")
    screenshot(browser, "29-viewer-measure-selected.png")
    key(browser, Keys.DELETE)
    WebDriverWait(browser, SLOW).until(lambda d: len(shown(d)) == 2)
    wait_saved(browser, 2)

    # Another window saves first: this one is told so and can reload the server's copy.
    doc = srv["api"].get(f"{srv['base']}/api/viewer/studies/{srv['study']}/annotations").json()
    only_probe = [x for x in json.loads(doc["annotations"]) if x["type"] == "probe"]
    r = srv["api"].put(f"{srv['base']}/api/viewer/studies/{srv['study']}/annotations",
                       json={"annotations": json.dumps(only_probe), "version": doc["version"]})
    assert r.status_code == 200, r.text
    stale = srv["api"].put(f"{srv['base']}/api/viewer/studies/{srv['study']}/annotations",
                           json={"annotations": "[]", "version": doc["version"]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    key(browser, "l")
    drag(browser, [(100, 100), (160, 120)])
    WebDriverWait(browser, SLOW).until(lambda d: sync(d)["status"] == "conflict")
    status = wait_visible(browser, "annotation-status")
    assert "标注已在其他窗口中修改" in status.text
    screenshot(browser, "29-viewer-measure-conflict.png")
    wait_visible(browser, "annotation-reload").click()
    WebDriverWait(browser, SLOW).until(lambda d: [a["type"] for a in shown(d)] == ["probe"])
    assert sync(browser)["status"] == "idle"


def test_every_measurement_tool_draws(browser, measure_server):
    """Each tool of the 测量 group makes its shape with the documented gesture; a screenshot shows them all."""
    srv = measure_server
    browser.get(f"{srv['base']}/viewer/?study={srv['study']}")
    WebDriverWait(browser, SLOW).until(lambda d: "/#/login" in d.current_url or (state(d) or {}).get("cells"))
    if "/#/login" in browser.current_url:
        sign_in(browser, srv["base"])
        WebDriverWait(browser, SLOW).until(lambda d: "/viewer/" in d.current_url)
    wait_loaded(browser)
    key(browser, Keys.PAGE_DOWN)  # slice 11: nothing drawn there yet
    WebDriverWait(browser, SLOW).until(lambda d: state(d)["cells"][0]["index"] == 10 and state(d)["cells"][0]["loaded"])
    WebDriverWait(browser, SLOW).until(lambda d: sync(d)["status"] is not None)
    assert shown(browser) == []

    def count():
        return len(shown(browser))

    key(browser, "b")  # rectangle
    drag(browser, [(90, 200), (120, 230), (150, 260)])
    key(browser, "g")  # polygon: clicks, then a click on the first point

    for p in [(330, 150), (390, 140), (420, 200), (360, 230), (330, 150)]:
        click_at(browser, *p)
        time.sleep(0.45)  # not a double-click
    key(browser, "d")  # freehand
    drag(browser, [(200 + 30 * math.cos(a / 10), 420 + 20 * math.sin(a / 10)) for a in range(0, 63, 3)], pause=0.01)
    key(browser, "a")  # angle: drag the first arm, click the far end
    drag(browser, [(60, 330), (90, 360), (110, 400)])
    click_at(browser, 170, 390)
    key(browser, "o")  # Cobb: two drags
    drag(browser, [(330, 300), (400, 290), (460, 280)])
    drag(browser, [(330, 360), (400, 380), (460, 395)])
    key(browser, "x")  # cardiothoracic ratio: heart width, then thorax width (kept horizontal)
    drag(browser, [(200, 330), (260, 335), (320, 338)])
    drag(browser, [(70, 470), (300, 472), (450, 474)])
    key(browser, "w")  # arrow
    drag(browser, [(236, 112), (215, 95), (190, 78)])
    key(browser, "n")  # text
    click_at(browser, 380, 60)
    wait_visible(browser, "text-dialog-input").send_keys("左肺门结节")
    wait_visible(browser, "text-dialog-ok").click()
    WebDriverWait(browser, SLOW).until(lambda d: count() == 8)
    by = {a["type"]: a for a in shown(browser)}
    assert set(by) == {"rect", "polygon", "freehand", "angle", "cobb", "ctr", "arrow", "text"}
    assert len(by["polygon"]["points"]) == 4
    assert by["polygon"]["lines"][0].startswith("面积 ") and by["polygon"]["lines"][1].startswith("均值 ")
    assert len(by["freehand"]["points"]) >= 10 and by["freehand"]["lines"][1].startswith("均值 ")
    assert by["rect"]["lines"][0].startswith("面积 ")
    assert by["angle"]["lines"][0].endswith("°")
    cobb = by["cobb"]["values"]["angle"]
    p = by["cobb"]["points"]
    d1 = math.degrees(math.atan2(p[1]["y"] - p[0]["y"], p[1]["x"] - p[0]["x"]))
    d2 = math.degrees(math.atan2(p[3]["y"] - p[2]["y"], p[3]["x"] - p[2]["x"]))
    assert abs(cobb - abs(d1 - d2)) < 1e-6 and by["cobb"]["lines"][0].startswith("Cobb 角 ")
    ctr = by["ctr"]
    assert ctr["points"][0]["y"] == ctr["points"][1]["y"] and ctr["points"][2]["y"] == ctr["points"][3]["y"], "horizontal widths"
    heart = abs(ctr["points"][1]["x"] - ctr["points"][0]["x"])
    thorax = abs(ctr["points"][3]["x"] - ctr["points"][2]["x"])
    assert ctr["lines"][0] == f"心胸比 {heart / thorax:.2f}"
    assert by["text"]["lines"] == ["左肺门结节"]
    wait_saved(browser, sync(browser)["count"])
    screenshot(browser, "29-viewer-measure-all.png")

    # Right-click on an annotation opens its menu; 清除全部 asks first.
    ac = ActionChains(browser)
    x, y = client(browser, 90, 230)
    ac.w3c_actions.pointer_action.move_to_location(x, y)
    ac.w3c_actions.pointer_action.context_click()
    ac.perform()
    wait_visible(browser, "annotation-menu")
    screenshot(browser, "29-viewer-measure-menu.png")
    wait_visible(browser, "annotation-delete").click()
    WebDriverWait(browser, SLOW).until(lambda d: count() == 7)
    wait_visible(browser, "tool-clearAnnotations").click()
    wait_visible(browser, "clear-dialog")
    screenshot(browser, "29-viewer-measure-clear.png")
    wait_visible(browser, "clear-dialog-ok").click()
    WebDriverWait(browser, SLOW).until(lambda d: count() == 0 and sync(d)["count"] == 0)
    wait_saved(browser, 0)
    wait_visible(browser, "tool-help").click()
    assert "Cobb 角" in wait_visible(browser, "help-measure").text
    screenshot(browser, "29-viewer-measure-help.png")
