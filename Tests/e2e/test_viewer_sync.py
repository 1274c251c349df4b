"""Browser test of the viewer's multi-series tools (issue #6 parts 6 and 7: VIEW-03/05/06/07/23) against a real server.

Starts its own server like test_viewer.py (ports 19650/19651 unless YUNYING_VIEWER_SYNC_E2E_PORT says otherwise) with
the synthetic CT study: a coronal localizer (series 1) and 40 axial slices (series 2) in one Frame of Reference. Then:
  - 参考线: the active axial slice is drawn on the localizer where the geometry (IPP / IOP / Pixel Spacing from the DICOM
    files, computed here in Python) puts it, follows paging, and stays on its anatomy after a vertical flip;
  - 同步: with the axial series in a second viewport, paging the active one moves the other to the same position;
    Shift + wheel there sets an offset of one slice (偏移 +1 in the corner) that is kept while paging;
  - 定位: a click on the localizer sends both axial viewports to the slice nearest the clicked patient point and
    shows the cursor there at the right image position;
  - 导出图像: the active viewport downloads as a PNG of the viewport's size with the cursor burnt in;
  - 平铺: the series' 40 images as 4×5 tiles, paged by the wheel, a tile opened alone by a double-click, and back.
Screenshots: Tests/e2e/artifacts/40…45-viewer-*.png.
"""

import os
import shutil
import struct
import subprocess
import tempfile
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, ADMIN_PASSWORD, SLOW, make_ct, wait_port, sign_in

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_SYNC_E2E_PORT", "19650"))
DICOM_PORT = HTTP_PORT + 1

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
np = pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


@pytest.fixture(scope="module")
def sync_server():
    data = tempfile.mkdtemp(prefix="yy-sync-")
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
        by_sop, axial, localizer = {}, [], None
        for f in files:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            by_sop[ds.SOPInstanceUID] = ds
            if "LOCALIZER" in list(ds.ImageType):
                localizer = ds
            else:
                axial.append(ds)
        assert localizer is not None and localizer.FrameOfReferenceUID == axial[0].FrameOfReferenceUID
        downloads = tempfile.mkdtemp(prefix="yy-sync-dl-")
        yield {"base": base, "study": axial[0].StudyInstanceUID, "sops": by_sop, "axial": axial, "localizer": localizer,
               "downloads": downloads}
        shutil.rmtree(downloads, ignore_errors=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- geometry, independently of the viewer's JS

def plane(ds):
    o = np.array([float(v) for v in ds.ImageOrientationPatient])
    row, col = o[:3], o[3:]
    return {"origin": np.array([float(v) for v in ds.ImagePositionPatient]), "row": row, "col": col,
            "normal": np.cross(row, col), "rs": float(ds.PixelSpacing[0]), "cs": float(ds.PixelSpacing[1]),
            "rows": int(ds.Rows), "cols": int(ds.Columns)}


def to_patient(p, x, y):
    return p["origin"] + (x - 0.5) * p["cs"] * p["row"] + (y - 0.5) * p["rs"] * p["col"]


def to_image(p, q):
    d = q - p["origin"]
    return d @ p["row"] / p["cs"] + 0.5, d @ p["col"] / p["rs"] + 0.5, d @ p["normal"]


def line_y_at(loc, ax, x):
    """Image y on the localizer at column x where the axial plane cuts it (a linear equation in y)."""
    f = lambda y: (to_patient(loc, x, y) - ax["origin"]) @ ax["normal"]  # noqa: E731
    f0, f1 = f(0.0), f(1.0)
    return -f0 / (f1 - f0)


# ---------------------------------------------------------------- browser helpers

def state(d):
    return d.execute_script("return window.viewerTest ? window.viewerTest.state() : null")


def cell(d, i):
    return state(d)["cells"][i]


def wait_loaded(d, i, index=None):
    def ok(d):
        s = state(d)
        if not s or len(s["cells"]) <= i:
            return False
        c = s["cells"][i]
        return c["loaded"] and (index is None or c["index"] == index)
    WebDriverWait(d, SLOW).until(ok)
    return cell(d, i)


def wheel(d, i, dy, shift=False):
    d.execute_script("""
        const el = document.querySelectorAll('[data-testid="viewport"]')[arguments[0]], r = el.getBoundingClientRect();
        el.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, deltaY: arguments[1], deltaMode: 0,
          shiftKey: arguments[2], clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));
    """, i, dy, shift)


def axial_by_index(server, d, i):
    """The axial slice a viewport shows, from the SOP UID the viewer reports."""
    return server["sops"][cell(d, i)["sop"]]


def assert_ref_line(server, d, axial_cell, loc_cell=1):
    ax = plane(axial_by_index(server, d, axial_cell))
    loc = plane(server["localizer"])
    line = cell(d, loc_cell)["refLine"]
    assert line, "a reference line on the localizer"
    for end in line:
        want = line_y_at(loc, ax, end["x"])
        assert abs(end["y"] - want) < 1e-3, f"line end {end} vs y {want} from the DICOM geometry"
    xs = sorted(e["x"] for e in line)
    assert abs(xs[0]) < 1e-6 and abs(xs[1] - loc["cols"]) < 1e-6, "the line crosses the whole localizer"
    return line


def is_yellow(rgba):
    return rgba[3] > 200 and rgba[0] > 200 and rgba[1] > 170 and rgba[2] < 140


def park(d):
    """Moves the mouse off the toolbar, so that no tooltip covers the screenshot."""
    ActionChains(d).move_to_element(d.find_element(By.CSS_SELECTOR, css_testid("series-list"))).perform()


def open_viewer(d, server):
    d.get(f"{server['base']}/viewer/?study={server['study']}")
    WebDriverWait(d, SLOW).until(lambda d: "/#/login" in d.current_url)
    sign_in(d, server["base"])
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url)
    wait_loaded(d, 0)


def test_reference_lines_sync_cursor_and_export(browser, sync_server):
    server = sync_server
    d = browser
    open_viewer(d, server)
    n = len(server["axial"])
    assert cell(d, 0)["count"] == n
    s = state(d)
    assert s["refLines"] is True and s["syncScroll"] is False, "参考线 on, 同步 off by default"
    wait_visible(d, "tool-refLines")
    assert "on" in d.find_element(By.CSS_SELECTOR, css_testid("tool-refLines")).get_attribute("class")

    # 2×2: the axial stack, the localizer next to it, the axial stack again below.
    wait_visible(d, "tool-layout").click()
    wait_visible(d, "layout-2x2").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "2x2")
    wait_loaded(d, 1)
    assert cell(d, 1)["count"] == 1, "the localizer hangs in the second viewport"
    d.execute_script("window.viewerTest.select(2)")
    axial_card = [c for c in d.find_elements(By.CSS_SELECTOR, css_testid("series-card")) if c.get_attribute("data-number") == "2"][0]
    axial_card.click()
    wait_loaded(d, 2)
    d.execute_script("window.viewerTest.select(0)")

    # ---- 参考线 (VIEW-05): the active slice on the localizer, where the geometry says, following the paging.
    for _ in range(10):
        wheel(d, 0, 100)
    wait_loaded(d, 0, index=10)
    line = assert_ref_line(server, d, 0)
    mid = ((line[0]["x"] + line[1]["x"]) / 2, line[0]["y"])
    assert is_yellow(d.execute_script("return window.viewerTest.overlayPixel(1, arguments[0], arguments[1])", *mid)), "the line is drawn"
    before_y = line[0]["y"]
    for _ in range(15):
        wheel(d, 0, 100)
    wait_loaded(d, 0, index=25)
    line = assert_ref_line(server, d, 0)
    assert line[0]["y"] > before_y, "paging towards the feet moves the line down the coronal localizer"
    assert cell(d, 2)["refLine"] is None, "parallel slices get no line"
    screenshot(d, "40-viewer-sync-reflines.png")

    # A vertical flip of the localizer: the line stays on its anatomy (image coordinates) and is drawn where the
    # flipped view puts them.
    d.execute_script("window.viewerTest.select(1)")
    d.find_element(By.TAG_NAME, "body").send_keys("v")
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["view"]["flipV"])
    d.execute_script("window.viewerTest.select(0)")
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["refLine"] is not None)
    line = assert_ref_line(server, d, 0)
    mid = ((line[0]["x"] + line[1]["x"]) / 2, line[0]["y"])
    assert is_yellow(d.execute_script("return window.viewerTest.overlayPixel(1, arguments[0], arguments[1])", *mid)), "flipped: still on the line"
    mirrored = (mid[0], cell(d, 1)["view"]["imageHeight"] - mid[1])
    assert not is_yellow(d.execute_script("return window.viewerTest.overlayPixel(1, arguments[0], arguments[1])", *mirrored)), "not at the unflipped place"
    screenshot(d, "41-viewer-sync-reflines-flipped.png")
    d.execute_script("window.viewerTest.select(1)")
    d.find_element(By.TAG_NAME, "body").send_keys("v")
    d.execute_script("window.viewerTest.select(0)")

    # The toggle hides the lines.
    wait_visible(d, "tool-refLines").click()
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["refLine"] is None)
    wait_visible(d, "tool-refLines").click()
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["refLine"] is not None)

    # ---- 同步 (VIEW-03/07): the other axial viewport follows by position, with a manual offset.
    assert cell(d, 2)["index"] != 25
    wait_visible(d, "tool-sync").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["syncScroll"])
    wait_loaded(d, 2, index=25)  # turning sync on brings it to the active slice
    for _ in range(3):
        wheel(d, 0, -100)
    wait_loaded(d, 0, index=22)
    wait_loaded(d, 2, index=22)
    assert cell(d, 1)["index"] == 0, "the localizer does not scroll"
    wheel(d, 2, 100, shift=True)
    wait_loaded(d, 2, index=23)
    assert cell(d, 2)["offset"] == 1 and state(d)["active"] == 0, "Shift + wheel sets the offset, the active viewport stays"
    corner = d.find_elements(By.CSS_SELECTOR, css_testid("corner-tr"))[2].text
    assert "偏移 +1" in corner, corner
    for _ in range(4):
        wheel(d, 0, 100)
    wait_loaded(d, 0, index=26)
    wait_loaded(d, 2, index=27)
    park(d)
    screenshot(d, "42-viewer-sync-offset.png")
    wheel(d, 2, -100, shift=True)
    wait_loaded(d, 2, index=26)
    assert cell(d, 2)["offset"] == 0

    # ---- 定位 (VIEW-06): click the localizer; the axial viewports go to the slice of that point.
    wait_visible(d, "tool-locate").click()
    loc = plane(server["localizer"])
    zs = sorted((float(a.ImagePositionPatient[2]) for a in server["axial"]), reverse=True)  # the stack, head first
    target_z = zs[8]
    # Image point on the localizer at that height, a third across.
    x = loc["cols"] / 3
    y = line_y_at(loc, {"origin": np.array([0, 0, target_z]), "normal": np.array([0, 0, 1.0])}, x)
    p = d.execute_script("return window.viewerTest.toClient(1, arguments[0], arguments[1])", x, y)
    ac = ActionChains(d)
    ac.w3c_actions.pointer_action.move_to_location(round(p["x"]), round(p["y"]))
    ac.w3c_actions.pointer_action.click()
    ac.perform()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cursor"] is not None)
    cursor = np.array(state(d)["cursor"])
    want = int(np.argmin([abs(z - cursor[2]) for z in zs]))
    assert abs(cursor[2] - target_z) < 1.5, f"cursor z {cursor[2]} near {target_z}"
    # The clicked point lies on the localizer plane at the clicked image point.
    cx, cy, dist = to_image(loc, cursor)
    assert abs(dist) < 1e-6 and abs(cx - x) < 2 and abs(cy - y) < 2
    wait_loaded(d, 0, index=want)
    wait_loaded(d, 2, index=want)
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 0)["cursorAt"] is not None and cell(d, 2)["cursorAt"] is not None)
    ax = plane(axial_by_index(server, d, 0))
    ex, ey, _ = to_image(ax, cursor)
    got = cell(d, 0)["cursorAt"]
    assert abs(got["x"] - ex) < 1e-6 and abs(got["y"] - ey) < 1e-6, (got, ex, ey)
    assert cell(d, 1)["cursorAt"] is not None, "and on the localizer itself"
    screenshot(d, "43-viewer-sync-cursor.png")

    # ---- 导出图像 (VIEW-23): the active viewport as a PNG of its size, annotations burnt in.
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": server["downloads"]})
    d.execute_script("window.viewerTest.select(0)")
    wait_visible(d, "tool-export").click()
    wait_visible(d, "menu-export")
    screenshot(d, "44-viewer-export-menu.png")
    wait_visible(d, "export-png").click()
    inst = int(axial_by_index(server, d, 0).InstanceNumber)
    pid = server["localizer"].PatientID
    name = f"{pid}_S2_I{inst}.png"
    path = os.path.join(server["downloads"], name)
    end = time.time() + SLOW
    while time.time() < end and not os.path.exists(path):
        time.sleep(0.2)
    assert os.path.exists(path), f"{name} not downloaded: {os.listdir(server['downloads'])}"
    time.sleep(0.3)
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", head[16:24])
    rect = cell(d, 0)["rect"]
    assert (w, h) == (rect["width"], rect["height"]), f"PNG {w}×{h} vs viewport {rect}"
    from PIL import Image
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    teal = (abs(img[:, :, 0] - 0x5e) < 30) & (abs(img[:, :, 1] - 0xea) < 30) & (abs(img[:, :, 2] - 0xd4) < 30)
    assert teal.sum() > 10, "the 3D cursor is burnt into the export"
    assert "已导出" in wait_visible(d, "viewer-toast").text
    shutil.copy(path, os.path.join(os.path.dirname(__file__), "artifacts", "45-viewer-export.png"))
    # The same as JPEG.
    wait_visible(d, "tool-export").click()
    wait_visible(d, "export-jpeg").click()
    jpg = path[:-4] + ".jpg"
    end = time.time() + SLOW
    while time.time() < end and not os.path.exists(jpg):
        time.sleep(0.2)
    time.sleep(0.3)
    with Image.open(jpg) as im:
        assert im.format == "JPEG" and im.size == (rect["width"], rect["height"])


def test_tile_all_images_of_a_series(browser, sync_server):
    server = sync_server
    d = browser
    open_viewer(d, server)
    n = len(server["axial"])
    for _ in range(5):
        wheel(d, 0, 100)
    wait_loaded(d, 0, index=5)
    series = cell(d, 0)["series"]

    wait_visible(d, "tool-tile").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "4x5")
    s = state(d)
    assert s["tile"] == {"page": 0, "per": 20, "pages": 2} and s["active"] == 5
    assert [c["index"] for c in s["cells"]] == list(range(20))
    assert all(c["series"] == series for c in s["cells"])
    for i in range(20):
        wait_loaded(d, i)
    assert d.find_elements(By.CSS_SELECTOR, css_testid("corner-tr"))[7].text == f"图像 8/{n}"
    park(d)
    screenshot(d, "46-viewer-tile.png")

    wheel(d, 3, 100)
    WebDriverWait(d, SLOW).until(lambda d: state(d)["tile"]["page"] == 1)
    assert [c["index"] for c in state(d)["cells"]] == list(range(20, 40))
    for i in range(20):
        wait_loaded(d, i)
    assert d.find_elements(By.CSS_SELECTOR, css_testid("corner-tr"))[0].text == f"图像 21/{n}"
    screenshot(d, "47-viewer-tile-page2.png")
    wheel(d, 3, 100)
    time.sleep(0.2)
    assert state(d)["tile"]["page"] == 1, "no page after the last"
    wheel(d, 3, -100)
    WebDriverWait(d, SLOW).until(lambda d: state(d)["tile"]["page"] == 0)

    # 平铺 again: back to the layout from before, on the same image.
    wait_visible(d, "tool-tile").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "1x1" and state(d)["tile"] is None)
    wait_loaded(d, 0, index=5)

    # A double-click on a tile shows that image alone; another goes back to the grid from before the tiling.
    wait_visible(d, "tool-tile").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "4x5")
    ActionChains(d).double_click(d.find_elements(By.CSS_SELECTOR, css_testid("viewport"))[12]).perform()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "1x1")
    wait_loaded(d, 0, index=12)
    assert state(d)["tile"] is None
