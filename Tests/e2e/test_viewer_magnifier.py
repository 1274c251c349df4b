"""Browser test of the magnifier (放大镜, VIEW-17) against a real server.

Starts its own server (ports 19710/19711 unless YUNYING_VIEWER_MAGNIFIER_E2E_PORT says otherwise) with the synthetic
studies of viewer_synthetic.py (an image of random 12-bit values with two overlay planes), picks the magnifier with
the M key and holds the left button over the image. Every lens pixel is compared with what it must show, computed
here from the DICOM pixel values: the image point under the pointer plus the lens offset divided by the factor,
through the view's own definition, then the PS3.3 window of the stored value (inverted when the viewer inverts) —
so the lens shows exact pixels, magnified by the factor, around the pointer, not a blurred copy of the screen:
  - 2× on pressing; the wheel while held goes to 2.5× (and does not page); dragging moves the lens with the pointer;
  - releasing puts the lens away; with invert on, the lens is inverted too;
  - with overlays shown, the DICOM overlay plane is in the lens (white over the image pixels it covers), also on the
    chest radiograph of make_dataset.py at 4× over its ROI box.
Screenshots: Tests/e2e/artifacts/50-viewer-magnifier.png, 51-viewer-magnifier-radiograph.png.
"""

import os

import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, SLOW
import viewer_synthetic as vs

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_MAGNIFIER_E2E_PORT", "19710"))
LENS = css_testid("magnifier-lens")

pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


@pytest.fixture(scope="module")
def srv():
    with vs.server(HTTP_PORT, "yy-magnifier-", dx=True) as (base, studies):
        yield base, studies


def lens_info(driver):
    return driver.execute_script("""
      const el = document.querySelector(arguments[0]);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { ...el.dataset, hidden: el.hidden, left: r.left, top: r.top, width: r.width, height: r.height };
    """, LENS)


def expected_lens(v, info, image, window, invert, margin=0.05):
    """What each lens pixel must show: (rgb expected, mask of pixels compared)."""
    size, factor = int(info["size"]), float(info["factor"])
    cx, cy = float(info["x"]), float(info["y"])
    inv = np.linalg.inv(vs.view_matrix(v))
    vv, uu = np.mgrid[0:size, 0:size]
    px = cx + (uu + 0.5 - size / 2) / factor
    py = cy + (vv + 0.5 - size / 2) / factor
    p = inv @ np.stack([px.ravel(), py.ravel(), np.ones(size * size)])
    ix, iy = p[0].reshape(size, size), p[1].reshape(size, size)
    rows, cols = image.shape
    col, row = np.floor(ix).astype(int), np.floor(iy).astype(int)
    fx, fy = ix - col, iy - row
    r = np.hypot(uu + 0.5 - size / 2, vv + 0.5 - size / 2)
    use = ((r < size / 2 - 3) & (vv < size - 36)  # inside the circle, above the factor label
           & (col >= 0) & (row >= 0) & (col < cols) & (row < rows)
           & (fx > margin) & (fx < 1 - margin) & (fy > margin) & (fy < 1 - margin))  # not on a pixel edge
    lut = np.array([vs.ps33_byte(x, *window) for x in range(int(image.max()) + 1)], np.uint8)
    grey = np.zeros((size, size), np.uint8)
    grey[use] = lut[image[row[use], col[use]]]
    if invert:
        grey = 255 - grey
    return grey, use, (row, col)


def check_lens(driver, image, window, invert=False, what=""):
    info = lens_info(driver)
    assert info and info["shown"] == "true" and not info["hidden"], f"{what}: the lens is up"
    lens = vs.read_canvas(driver, LENS)
    info = lens_info(driver)  # after the draw read_canvas forced
    v = vs.state(driver)["cells"][0]["view"]
    grey, use, _ = expected_lens(v, info, image, window, invert)
    assert use.sum() > 5000, f"{what}: enough of the lens over the image"
    got = lens[..., :3]
    bad = use & ~((got[..., 0] == grey) & (got[..., 1] == grey) & (got[..., 2] == grey))
    assert not bad.any(), f"{what}: {int(bad.sum())} of {int(use.sum())} lens pixels differ, e.g. {list(zip(*np.nonzero(bad)))[:5]}"
    return info


def viewport_center(driver):
    return driver.execute_script("""
      const r = document.querySelector(arguments[0]).getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2, left: r.left, top: r.top, dpr: window.devicePixelRatio || 1 };
    """, css_testid("viewport"))


def test_magnifier_shows_exact_pixels_around_the_pointer(browser, srv):
    base, studies = srv
    st = studies["overlay"]
    cell = vs.open_study(browser, base, st["study"])
    image = st["by_sop"][cell["sop"]]  # the stack runs head first: the last slice is shown first
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("m")
    button = wait_visible(browser, "tool-magnify")
    WebDriverWait(browser, SLOW).until(lambda d: "on" in button.get_attribute("class").split())
    assert button.get_attribute("data-tip").startswith("放大镜 (M)")
    wait_visible(browser, "tool-overlays").click()  # the image alone first
    vp = browser.find_element(By.CSS_SELECTOR, css_testid("viewport"))
    c = viewport_center(browser)
    ActionChains(browser).move_to_element_with_offset(vp, -60, 40).click_and_hold().perform()
    WebDriverWait(browser, SLOW).until(lambda d: (lens_info(d) or {}).get("shown") == "true")
    info = check_lens(browser, image, st["window"], what="2×")
    assert info["factor"] == "2"
    # The lens is centred on the pointer, on the page and in device pixels of the viewport.
    assert abs(info["left"] + info["width"] / 2 - (c["x"] - 60)) <= 1.5
    assert abs(info["top"] + info["height"] / 2 - (c["y"] + 40)) <= 1.5
    assert abs(float(info["x"]) - (c["x"] - 60 - c["left"]) * c["dpr"]) <= 1.5
    # The wheel while held: 2.5×, and no paging.
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(vp, -60, 40), 0, -120).perform()
    WebDriverWait(browser, SLOW).until(lambda d: lens_info(d)["factor"] == "2.5")
    assert vs.state(browser)["cells"][0]["index"] == 0
    check_lens(browser, image, st["window"], what="2.5×")
    # Dragging moves it.
    x0 = float(info["x"])
    ActionChains(browser).move_by_offset(30, -20).perform()
    WebDriverWait(browser, SLOW).until(lambda d: abs(float(lens_info(d)["x"]) - x0 - 30 * c["dpr"]) <= 1.5)
    check_lens(browser, image, st["window"], what="moved")
    screenshot(browser, "50-viewer-magnifier.png")
    ActionChains(browser).release().perform()
    WebDriverWait(browser, SLOW).until(lambda d: lens_info(d)["hidden"] and lens_info(d)["shown"] == "false")
    assert vs.state(browser)["cells"][0]["index"] == 0
    # Invert: the lens is inverted too (the factor stays where the wheel put it).
    body.send_keys("i")
    WebDriverWait(browser, SLOW).until(lambda d: vs.state(d)["cells"][0]["invert"])
    ActionChains(browser).move_to_element_with_offset(vp, 80, -50).click_and_hold().perform()
    WebDriverWait(browser, SLOW).until(lambda d: (lens_info(d) or {}).get("shown") == "true")
    info = check_lens(browser, image, st["window"], invert=True, what="inverted")
    assert info["factor"] == "2.5"
    ActionChains(browser).release().perform()


def test_magnifier_shows_overlay_planes(browser, srv):
    base, studies = srv
    st = studies["overlay"]
    cell = vs.open_study(browser, base, st["study"])
    image = st["by_sop"][cell["sop"]]  # the stack runs head first: the last slice is shown first
    expected = vs.expected_overlay(image.shape, list(st["masks"].values()))
    browser.find_element(By.TAG_NAME, "body").send_keys("m")
    # Near the left edge of plane 6002's filled block (image rows 54–83, columns 80–109): the lens shows block and image.
    assert expected[54:84, 80:110].all() and not expected[54:84, 63:80].any()
    p = browser.execute_script("return window.viewerTest.toClient(0, 82.5, 69.5)")
    c = viewport_center(browser)
    vp = browser.find_element(By.CSS_SELECTOR, css_testid("viewport"))
    ActionChains(browser).move_to_element_with_offset(vp, round(p["x"] - c["x"]), round(p["y"] - c["y"])).click_and_hold().perform()
    WebDriverWait(browser, SLOW).until(lambda d: (lens_info(d) or {}).get("shown") == "true")
    # Wait until the plane behind its BulkDataURI has arrived and is drawn in the lens too.
    def centre(d):
        lens = vs.read_canvas(d, LENS)
        s = lens.shape[0]
        return lens[s // 2, s // 2]
    WebDriverWait(browser, SLOW).until(lambda d: tuple(centre(d)[:3]) == (255, 255, 255))
    lens = vs.read_canvas(browser, LENS)
    info = lens_info(browser)
    v = vs.state(browser)["cells"][0]["view"]
    grey, use, (row, col) = expected_lens(v, info, image, st["window"], False)
    on = np.zeros_like(use)
    on[use] = expected[row[use], col[use]]
    white = (lens[..., 0] == 255) & (lens[..., 1] == 255) & (lens[..., 2] == 255)
    assert on.sum() > 2000 and (~on & use).sum() > 2000
    assert white[on].all(), "overlay pixels are white in the lens"
    plain = use & ~on
    assert (lens[..., 0][plain] == grey[plain]).all(), "the image elsewhere"
    ActionChains(browser).release().perform()


def test_magnifier_on_a_radiograph(browser, srv):
    base, studies = srv
    if "dx" not in studies:
        pytest.skip("make_dataset.py not available")
    import pydicom

    ds = pydicom.dcmread(studies["dx"]["files"][0])
    mask = ds.overlay_array(0x6000).astype(bool)
    r0, c0 = (int(x) for x in ds[0x60000050].value)
    expected = vs.expected_overlay(mask.shape, [(mask, (r0, c0))])
    vs.open_study(browser, base, studies["dx"]["study"])
    browser.find_element(By.TAG_NAME, "body").send_keys("m")
    # The left side of the ROI box the overlay draws around the nodule.
    rows, cols = np.nonzero(expected[800:1300, 200:700])
    row, col = int(np.median(rows)) + 800, int(cols.min()) + 200 + 2
    p = browser.execute_script("return window.viewerTest.toClient(0, arguments[0], arguments[1])", col + 0.5, row + 0.5)
    c = viewport_center(browser)
    vp = browser.find_element(By.CSS_SELECTOR, css_testid("viewport"))
    ActionChains(browser).move_to_element_with_offset(vp, round(p["x"] - c["x"]), round(p["y"] - c["y"])).click_and_hold().perform()
    WebDriverWait(browser, SLOW).until(lambda d: (lens_info(d) or {}).get("shown") == "true")
    for _ in range(4):
        ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(vp, 0, 0), 0, -120).perform()
    WebDriverWait(browser, SLOW).until(lambda d: lens_info(d)["factor"] == "4")
    v = vs.state(browser)["cells"][0]["view"]
    assert v["zoom"] * 4 > 1, "magnified past 1:1 in the lens"

    def white_where_expected(d):
        lens = vs.read_canvas(d, LENS)
        _, use, (rr, cc) = expected_lens(vs.state(d)["cells"][0]["view"], lens_info(d), np.zeros(mask.shape, np.uint16), (2048, 4096), False)
        on = np.zeros_like(use)
        on[use] = expected[rr[use], cc[use]]
        white = (lens[..., 0] == 255) & (lens[..., 1] == 255) & (lens[..., 2] == 255)
        return on.sum() > 200 and bool(white[on].all())
    WebDriverWait(browser, SLOW).until(white_where_expected)
    screenshot(browser, "51-viewer-magnifier-radiograph.png")
    ActionChains(browser).release().perform()
