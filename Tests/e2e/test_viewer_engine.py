"""Browser test of the viewer's rendering engine (Web/lib/viewer) on its test page /viewer/engine-test.html.

The page renders a synthetic 512×512 CT phantom (integer HU, rescale intercept −1024) in a 1×2 layout through one
shared WebGL2 context: left as signed 13-bit stored values (R16I texture), right as unsigned 12-bit (R16UI), both with
junk above High Bit so decoding must mask and sign-extend. `window.engineTest` exposes GPU read-back (gl.readPixels),
the stored values, the page's own CPU reference comparison, view operations and WEBGL_lose_context.

What is asserted:
  - exactness: the GPU's window/level output equals, on every one of the 262,144 pixels, both the page's CPU
    reference (pixels.js) and an independent reference computed here from the stored values with the PS3.3
    C.11.2.1.2 formula in exact rational arithmetic (round half up) — for several windows, including ones where
    the formula lands exactly on .5;
  - geometry: after flips and rotations the image↔canvas mapping stays consistent (an image point converted to
    canvas coordinates shows that image pixel; the read-back equals the mirrored reference);
  - context loss: losing and restoring the context (WEBGL_lose_context) re-uploads the cached frames and redraws
    exactly.

The page is a static file, so this needs only YUNYING_E2E_URL (Tests/e2e/run.sh sets it; no sign-in). Needs WebGL2
in headless Chromium (SwiftShader is enough). Screenshots: Tests/e2e/artifacts/09-viewer-engine.png,
10-viewer-engine-geometry.png, 11-viewer-engine-restored.png.
"""

import base64
import struct
from fractions import Fraction
from math import floor

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from helpers import BASE_URL, TIMEOUT, screenshot

pytestmark = pytest.mark.skipif(not BASE_URL, reason="set YUNYING_E2E_URL (Tests/e2e/run.sh does) to run the browser test")

PAGE = "/viewer/engine-test.html"
SIZE = 512
HALF = Fraction(1, 2)
# The "L" marker of the phantom (HU 3000) covers columns 30–41 of rows 30–89: (36.5, 60.5) is well inside it.
MARKER = (36.5, 60.5)


def call(driver, name, *args):
    return driver.execute_script(f"return window.engineTest.{name}(...arguments)", *args)


def open_page(driver):
    driver.get(BASE_URL + PAGE)
    WebDriverWait(driver, TIMEOUT).until(lambda d: d.execute_script("return !!(window.engineTest && window.engineTest.ready)"))
    info = call(driver, "info")
    assert info["webgl"].startswith("WebGL 2.0"), info["webgl"]
    assert info["dpr"] == 1, "the exactness checks assume one device pixel per CSS pixel (the fixture's window)"
    assert driver.execute_script("return document.querySelectorAll('canvas').length") == 1, "one canvas, one context for all viewports"
    rects = {vp["id"]: vp["rect"] for vp in info["viewports"]}
    assert rects == {"left": {"x": 0, "y": 0, "width": 512, "height": 512}, "right": {"x": 512, "y": 0, "width": 512, "height": 512}}
    return info


def stored_values(driver, vp):
    s = call(driver, "stored", vp)
    raw = base64.b64decode(s["data"])
    fmt = "<%d%s" % (len(raw) // 2, "h" if s["type"] == "Int16Array" else "H")
    return list(struct.unpack(fmt, raw)), Fraction(str(s["slope"])), Fraction(str(s["intercept"]))


def read_grey(driver, vp):
    """The viewport's read-back as one grey level per pixel (grey LUT: R = G = B), rows top-down."""
    r = call(driver, "read", vp)
    rgba = base64.b64decode(r["rgba"])
    assert (r["width"], r["height"]) == (SIZE, SIZE)
    assert all(rgba[i] == rgba[i + 1] == rgba[i + 2] for i in range(0, len(rgba), 4 * 97)), "grey LUT gives R = G = B"
    return rgba[0::4]


def ps33_byte(x, center, width, fn):
    """PS3.3 C.11.2.1.2 written out literally, in exact rationals, output 0…255 rounded half up."""
    c, w = Fraction(str(center)), Fraction(str(width))
    if fn == "LINEAR":
        if x <= c - HALF - (w - 1) / 2:
            return 0
        if x > c - HALF + (w - 1) / 2:
            return 255
        y = ((x - (c - HALF)) / (w - 1) + HALF) * 255
    elif fn == "LINEAR_EXACT":
        if x <= c - w / 2:
            return 0
        if x > c + w / 2:
            return 255
        y = ((x - c) / w + HALF) * 255
    else:
        raise ValueError(fn)
    return max(0, min(255, floor(y + HALF)))


def reference(stored, slope, intercept, center, width, fn):
    memo = {}
    out = bytearray(len(stored))
    for i, s in enumerate(stored):
        v = memo.get(s)
        if v is None:
            v = memo[s] = ps33_byte(s * slope + intercept, center, width, fn)
        out[i] = v
    return out


def assert_exact(driver, vp):
    r = call(driver, "compare", vp)
    assert r["mismatches"] == 0, f"{vp}: {r['mismatches']} of {r['total']} pixels differ from the CPU reference, e.g. {r['examples']}"
    return r


# Windows where ties (y exactly k + 0.5) occur: C 40.5 / W 256 puts every pixel on a tie; LINEAR_EXACT W 80 and W 2 too.
WINDOWS = [
    ("left", 40, 400, "LINEAR"),
    ("left", 40.5, 256, "LINEAR"),
    ("left", 40, 80, "LINEAR_EXACT"),
    ("left", 0, 2, "LINEAR_EXACT"),
    ("left", 500, 2000, "LINEAR"),
    ("right", -600, 1500, "LINEAR"),
    ("right", -1000, 1, "LINEAR"),
    ("right", 1023.5, 4096, "LINEAR"),
]


def test_gpu_window_level_equals_cpu_reference_on_every_pixel(browser):
    info = open_page(browser)
    assert info["uploadCount"] == 2
    screenshot(browser, "09-viewer-engine.png")
    stored = {vp: stored_values(browser, vp) for vp in ("left", "right")}
    assert stored["left"][0][470 * SIZE : 470 * SIZE + 3] == [0, 1, 2], "ramp row decoded (HU −1024… as stored 0…)"
    for vp, center, width, fn in WINDOWS:
        call(browser, "setWindow", vp, center, width, fn)
        assert_exact(browser, vp)
        grey = read_grey(browser, vp)
        values, slope, intercept = stored[vp]
        want = reference(values, slope, intercept, center, width, fn)
        bad = [i for i in range(len(want)) if want[i] != grey[i]]
        assert not bad, f"{vp} C={center} W={width} {fn}: {len(bad)} pixels differ, first at {divmod(bad[0], SIZE)}: got {grey[bad[0]]}, want {want[bad[0]]}"
    # Window changes never re-upload: the frames went to the GPU once.
    assert call(browser, "info")["uploadCount"] == 2

    # SIGMOID: float32 exp on the GPU against double on the CPU may differ by one level, never more.
    call(browser, "setWindow", "left", 40, 400, "SIGMOID")
    r = call(browser, "compare", "left")
    assert r["maxDiff"] <= 1, r
    # Invert and a pseudo-colour LUT go through the same comparison (the page maps its reference through the LUT).
    call(browser, "setWindow", "left", 40, 400, "LINEAR")
    call(browser, "setDisplay", "left", {"invert": True, "lut": "hotIron"})
    assert_exact(browser, "left")
    call(browser, "setDisplay", "right", {"lut": "jet"})
    assert_exact(browser, "right")
    screenshot(browser, "09-viewer-engine-lut.png")


def test_flips_and_rotations_keep_image_canvas_mapping(browser):
    open_page(browser)
    values, slope, intercept = stored_values(browser, "left")
    want = reference(values, slope, intercept, 40, 400, "LINEAR")
    mx, my = MARKER

    view = call(browser, "view", "left", "flipH")
    assert view["flipH"] and view["zoom"] == 1
    c = call(browser, "imageToCanvas", "left", mx, my)
    assert (c["x"], c["y"]) == (SIZE - mx, my), "a horizontal flip mirrors the marker to the right"
    back = call(browser, "canvasToImage", "left", c["x"], c["y"])
    assert (back["x"], back["y"]) == (mx, my)
    assert call(browser, "pixel", "left", c["x"], c["y"])[:3] == [255, 255, 255], "the marker is drawn where the mapping says"
    grey = read_grey(browser, "left")
    mirrored = [want[y * SIZE + (SIZE - 1 - x)] for y in range(SIZE) for x in range(SIZE)]
    assert bytes(grey) == bytes(mirrored), "the flipped read-back is the mirrored reference, pixel for pixel"
    assert_exact(browser, "left")

    # Rotate 90° (clockwise on screen) and flip vertically on top: still pixel-exact, marker where the mapping says.
    call(browser, "view", "left", "rotate", 90)
    view = call(browser, "view", "left", "flipV")
    assert_exact(browser, "left")
    c = call(browser, "imageToCanvas", "left", mx, my)
    assert call(browser, "pixel", "left", c["x"], c["y"])[:3] == [255, 255, 255]

    # Any angle with zoom (0.7 keeps the whole image, marker included, inside the viewport at 30°): nearest sampling
    # may pick the neighbour texel only where a pixel centre falls on a texel edge within float32 precision, so allow
    # a tiny fraction; the marker must still be under its mapped point.
    call(browser, "view", "left", "rotate", 30)
    call(browser, "view", "left", "zoom", 0.7)
    r = call(browser, "compare", "left")
    print("rotated 30° at zoom 0.7:", {k: r[k] for k in ("total", "inside", "mismatches", "maxDiff")})
    assert r["mismatches"] <= r["total"] * 0.001, r
    for point in ((mx, my), (35.5, 84.5), (70.5, 84.5)):  # down the bar and along the foot of the L
        c = call(browser, "imageToCanvas", "left", *point)
        assert 0 <= c["x"] < SIZE and 0 <= c["y"] < SIZE, (point, c)
        assert call(browser, "pixel", "left", c["x"], c["y"])[:3] == [255, 255, 255], point
        back = call(browser, "canvasToImage", "left", c["x"], c["y"])
        assert abs(back["x"] - point[0]) < 1e-9 and abs(back["y"] - point[1]) < 1e-9
    # The other viewport is untouched by all this.
    assert_exact(browser, "right")
    screenshot(browser, "10-viewer-engine-geometry.png")

    call(browser, "view", "left", "reset")
    assert_exact(browser, "left")


def test_context_loss_and_restore_redraws_exactly(browser):
    open_page(browser)
    call(browser, "setWindow", "left", 40.5, 256, "LINEAR")
    assert_exact(browser, "left")
    before = call(browser, "info")
    assert before["uploadCount"] == 2 and before["restoreCount"] == 0

    call(browser, "loseContext")
    WebDriverWait(browser, TIMEOUT).until(lambda d: call(d, "info")["lost"])
    assert call(browser, "info")["contextLost"]
    # Changes while the context is gone are kept and drawn after the restore, not lost or thrown.
    call(browser, "setWindow", "right", -500, 1200, "LINEAR")

    call(browser, "restoreContext")
    WebDriverWait(browser, TIMEOUT).until(lambda d: call(d, "info")["restoreCount"] == 1)
    after = call(browser, "info")
    assert not after["lost"] and not after["contextLost"]
    assert after["uploadCount"] == 4, "both cached frames were uploaded again"
    assert after["drawCount"] > before["drawCount"]
    assert_exact(browser, "left")
    assert_exact(browser, "right")
    values, slope, intercept = stored_values(browser, "right")
    assert bytes(read_grey(browser, "right")) == bytes(reference(values, slope, intercept, -500, 1200, "LINEAR"))
    screenshot(browser, "11-viewer-engine-restored.png")
