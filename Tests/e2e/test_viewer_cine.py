"""Browser test of cine playback (电影播放, VIEW-27) against a real server.

Starts its own server (ports 19714/19715 unless YUNYING_VIEWER_CINE_E2E_PORT says otherwise) with the synthetic
multi-frame of viewer_synthetic.py: 24 frames, Frame Time 125 ms (8 frames/s), frame k filled with the value 10·k.
Then, with every frame loaded:
  - the frame-rate select starts at 8 帧/秒, from Frame Time (not one of the preset rates);
  - 播放 plays: the frame index advances at roughly 8 frames/s (counted by a sampler in the page), wraps from the last
    frame to the first, and the pixels on screen are those of the frame the viewer says it shows (the stored value
    of the DICOM frame, checked against the file);
  - 暂停 (the same button, now showing pause) stops it: the index stays put;
  - at 20 帧/秒 (the select) it plays clearly faster; the Space key pauses it too.
Screenshot: Tests/e2e/artifacts/56-viewer-cine.png.
"""

import os

import pydicom
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, SLOW
import viewer_synthetic as vs

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_CINE_E2E_PORT", "19714"))

pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")


@pytest.fixture(scope="module")
def srv():
    with vs.server(HTTP_PORT, "yy-cine-") as (base, studies):
        yield base, studies


def sample(driver, ms):
    """The cell's frame index every animation frame for `ms` milliseconds, measured in the page: [(t, index)]."""
    return driver.execute_async_script("""
      const [ms, done] = [arguments[0], arguments[arguments.length - 1]];
      const out = [];
      const t0 = performance.now();
      const tick = () => {
        const t = performance.now() - t0;
        out.push([t, window.viewerTest.state().cells[0].index]);
        if (t < ms) requestAnimationFrame(tick); else done(out);
      };
      tick();
    """, ms)


def advances(samples, n):
    """Frames advanced (forward steps, counting a wrap from the last frame to the first as one) and whether it wrapped."""
    steps, wrapped = 0, False
    for (_, a), (_, b) in zip(samples, samples[1:]):
        if b != a:
            d = (b - a) % n
            steps += d
            wrapped |= b < a
    return steps, wrapped


def test_cine_plays_at_frame_time_and_pauses(browser, srv):
    base, studies = srv
    st = studies["cine"]
    n = st["frames"]
    ds = pydicom.dcmread(st["files"][0])
    frames = ds.pixel_array
    assert float(ds.FrameTime) == st["frame_time"] and frames.shape[0] == n
    browser.set_script_timeout(30)
    vs.open_study(browser, base, st["study"])
    WebDriverWait(browser, SLOW).until(lambda d: vs.state(d)["framesLoaded"] >= n)
    fps = Select(wait_visible(browser, "cine-fps"))
    assert fps.first_selected_option.get_attribute("value") == "8", "Frame Time 125 ms → 8 frames/s"
    assert fps.first_selected_option.text.strip() == "8 帧/秒"
    button = wait_visible(browser, "tool-cine")
    assert button.get_attribute("data-tip") == "电影播放 / 暂停 (空格)"

    # 播放 at 8 frames/s for 4 s: about 32 frames (so it wraps past the 24th), never backwards except the wrap.
    button.click()
    WebDriverWait(browser, SLOW).until(lambda d: vs.state(d)["cells"][0]["cine"])
    assert "on" in button.get_attribute("class").split()
    s = sample(browser, 4000)
    steps, wrapped = advances(s, n)
    seconds = (s[-1][0] - s[0][0]) / 1000
    rate = steps / seconds
    assert 5.5 <= rate <= 9.5, f"{steps} frames in {seconds:.2f} s = {rate:.1f}/s at 8 frames/s"
    assert wrapped, "plays round from the last frame to the first"
    jumps = [(b - a) % n for (_, a), (_, b) in zip(s, s[1:]) if b != a]
    assert max(jumps) <= 2, f"frames are not skipped wholesale: {jumps}"
    screenshot(browser, "56-viewer-cine.png")
    # What is on screen is the frame the viewer says it shows.
    probe = browser.execute_script("""
      const s = window.viewerTest.state().cells[0];
      return { index: s.index, frame: s.frame, probe: window.viewerTest.probe(0, 10, 10) };
    """)
    assert probe["frame"] == probe["index"] + 1
    assert probe["probe"]["stored"] == int(frames[probe["index"], 10, 10]) == 10 * probe["index"]

    # 暂停: the same button stops it.
    button.click()
    WebDriverWait(browser, SLOW).until(lambda d: not vs.state(d)["cells"][0]["cine"])
    assert "on" not in button.get_attribute("class").split()
    s = sample(browser, 1200)
    assert advances(s, n)[0] == 0, "paused: the frame stays"

    # 20 frames/s from the select: clearly faster; Space pauses.
    Select(browser.find_element(By.CSS_SELECTOR, css_testid("cine-fps"))).select_by_value("20")
    button.click()
    WebDriverWait(browser, SLOW).until(lambda d: vs.state(d)["cells"][0]["cine"])
    s = sample(browser, 3000)
    steps20, _ = advances(s, n)
    rate20 = steps20 / ((s[-1][0] - s[0][0]) / 1000)
    assert 12 <= rate20 <= 23, f"{rate20:.1f}/s at 20 frames/s"
    assert rate20 > 1.6 * rate
    browser.find_element(By.TAG_NAME, "body").send_keys(" ")
    WebDriverWait(browser, SLOW).until(lambda d: not vs.state(d)["cells"][0]["cine"])
    s = sample(browser, 800)
    assert advances(s, n)[0] == 0
