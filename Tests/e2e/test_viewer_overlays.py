"""Browser test of DICOM overlay planes in the viewer (VIEW-01 叠加层, groups 60xx) against a real server.

Starts its own server (ports 19712/19713 unless YUNYING_VIEWER_OVERLAY_E2E_PORT says otherwise) with the synthetic
studies of viewer_synthetic.py and the chest radiograph of /work/shared/testdata/make_dataset.py, then checks, for
every image pixel on screen, that the viewport's overlay layer is opaque exactly where the overlay planes of the
DICOM file (numpy masks packed with pydicom, placed at their 1-based Overlay Origin) have a 1 — the mapping to the
screen computed here from the view's definition, not by the viewer:
  - two planes on one image: 6000 inline in the metadata, 6002 fetched from its BulkDataURI with the session;
  - after rotating 90° and flipping, they are still on the same image pixels;
  - 显示/隐藏叠加层 hides them and shows them again (on by default);
  - a multi-frame image: the plane with Number of Frames in Overlay 2 and Image Frame Origin 3 shows its first frame on
    image frame 3 and its second on frame 4 and nothing elsewhere; a single-frame plane shows on every frame;
  - the radiograph's 2048×2500 plane, zoomed in past 1:1.
Screenshots: Tests/e2e/artifacts/52…54-viewer-overlay-*.png.
"""

import os

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, SLOW
import viewer_synthetic as vs

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_OVERLAY_E2E_PORT", "19712"))

pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


@pytest.fixture(scope="module")
def srv():
    with vs.server(HTTP_PORT, "yy-overlay-", dx=True) as (base, studies):
        yield base, studies


def shown_overlay(driver, shape, cell=0):
    """For every image pixel: is the viewport's overlay layer drawn (alpha > 0) at its centre, and is it inside the
    viewport at all. Also the RGB there."""
    v = vs.state(driver)["cells"][cell]["view"]
    layer = vs.read_canvas(driver, css_testid("annotation-overlay"), cell)
    rows, cols = shape
    ys, xs = np.mgrid[0:rows, 0:cols]
    pts = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5, np.ones(rows * cols)])
    c = vs.view_matrix(v) @ pts
    cx, cy = np.floor(c[0]).astype(int), np.floor(c[1]).astype(int)
    inside = (cx >= 0) & (cy >= 0) & (cx < layer.shape[1]) & (cy < layer.shape[0])
    px = np.zeros((rows * cols, 4), np.uint8)
    px[inside] = layer[cy[inside], cx[inside]]
    return px[:, 3].reshape(shape) > 0, inside.reshape(shape), px.reshape(rows, cols, 4)


def mismatches(driver, shape, expected, cell=0):
    got, inside, _ = shown_overlay(driver, shape, cell)
    return int(((got != expected) & inside).sum())


def wait_overlay(driver, shape, expected, what):
    try:
        WebDriverWait(driver, SLOW).until(lambda d: mismatches(d, shape, expected) == 0)
    except Exception:
        pass
    got, inside, px = shown_overlay(driver, shape)
    bad = (got != expected) & inside
    assert not bad.any(), f"{what}: {int(bad.sum())} image pixels differ, e.g. (row, col) {list(zip(*np.nonzero(bad)))[:8]}"
    return got, inside, px


def test_overlay_planes_follow_the_image_and_toggle(browser, srv):
    base, studies = srv
    st = studies["overlay"]
    vs.open_study(browser, base, st["study"])
    shape = st["images"][0].shape
    expected = vs.expected_overlay(shape, list(st["masks"].values()))
    assert expected.sum() > 500
    # Both planes, the inline one and the one behind its BulkDataURI.
    got, inside, px = wait_overlay(browser, shape, expected, "as loaded")
    assert inside.all(), "the whole image is in the viewport"
    assert (px[expected][:, :3] == 255).all(), "overlay pixels are drawn white"
    button = wait_visible(browser, "tool-overlays")
    assert "on" in button.get_attribute("class").split(), "overlays are on by default"
    screenshot(browser, "52-viewer-overlay-planes.png")
    # Rotated and flipped: the same image pixels.
    wait_visible(browser, "tool-rotateRight").click()
    wait_visible(browser, "tool-flipH").click()
    # (a flip on screen after a quarter turn is stored as the other flip of the image: PS3.3 order, flip then rotate)
    WebDriverWait(browser, SLOW).until(lambda d: (lambda v: v["rotation"] in (90, 270) and v["flipH"] != v["flipV"])(vs.state(d)["cells"][0]["view"]))
    wait_overlay(browser, shape, expected, "rotated and flipped")
    screenshot(browser, "53-viewer-overlay-rotated.png")
    # 显示/隐藏叠加层
    button.click()
    WebDriverWait(browser, SLOW).until(lambda d: "on" not in d.find_element(By.CSS_SELECTOR, css_testid("tool-overlays")).get_attribute("class").split())
    wait_overlay(browser, shape, np.zeros(shape, bool), "hidden")
    assert button.get_attribute("data-tip") == "显示/隐藏叠加层"
    button.click()
    wait_overlay(browser, shape, expected, "shown again")


def test_multiframe_overlay_follows_image_frame_origin(browser, srv):
    base, studies = srv
    st = studies["multiframe"]
    vs.open_study(browser, base, st["study"])
    shape = (64, 80)
    for frame in range(1, st["frames"] + 1):
        if frame > 1:
            browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_DOWN)
        vs.wait_cell(browser, index=frame - 1)
        planes = []
        for m, origin, first in st["planes"].values():
            if first is None:
                planes.append((m, origin))
            elif first <= frame < first + m.shape[0]:
                planes.append((m[frame - first], origin))
        expected = vs.expected_overlay(shape, planes)
        wait_overlay(browser, shape, expected, f"frame {frame}")
        if frame == 4:
            screenshot(browser, "54-viewer-overlay-multiframe.png")


def test_radiograph_overlay_from_bulk_data(browser, srv):
    base, studies = srv
    if "dx" not in studies:
        pytest.skip("make_dataset.py not available")
    import pydicom

    ds = pydicom.dcmread(studies["dx"]["files"][0])
    mask = ds.overlay_array(0x6000).astype(bool)
    origin = tuple(int(x) for x in ds[0x60000050].value)
    shape = (int(ds.Rows), int(ds.Columns))
    vs.open_study(browser, base, studies["dx"]["study"])
    expected = vs.expected_overlay(shape, [(mask, origin)])
    # Fitted (zoom < 1) the plane is drawn filtered; wait until it is there at all, then look at it magnified.
    WebDriverWait(browser, SLOW).until(lambda d: shown_overlay(d, shape)[0].sum() > 1000)
    screenshot(browser, "55-viewer-overlay-radiograph.png")
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(6):
        body.send_keys("+")
    WebDriverWait(browser, SLOW).until(lambda d: vs.state(d)["cells"][0]["view"]["zoom"] > 1)
    got, inside, _ = wait_overlay(browser, shape, expected, "radiograph zoomed in")
    assert (expected & inside).sum() > 500, "part of the ROI box is on screen"
