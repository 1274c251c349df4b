"""Browser test of 对比 / 历史检查 (VIEW-28, issue #6) against a real server.

Starts its own server (ports 19740/19741 unless YUNYING_VIEWER_PRIORS_E2E_PORT says otherwise) and files four studies:
  - the current study: the synthetic chest CT (localizer + 40 axial slices of 1.25 mm, dated 2024-12-20);
  - a prior of the same patient dated 2024-06-01: the same anatomy as 20 slices of 2.5 mm, lying 10 mm further along
    the table (another Frame of Reference, as after a new scan), with pixel values 100 higher so that its pixels can
    be told apart;
  - an older prior (2023-01-15, the localizer only) to check the order;
  - a study of another patient (must not be listed; opened, it says 该患者没有其他检查).
Then, in the browser:
  - the study browser lists the patient's studies newest first with date, modality, description and images, the
    current one marked 当前; the 对比 drop-down lists them too;
  - choosing the 2024-06-01 prior switches to 1×2 with the prior's axial series on the right (the best match of the
    one being read), its series under a date header, and 当前 / 历史 labels with the dates in the viewports;
  - the right viewport shows the prior's own pixels: a read-back canvas pixel equals the PS3.3 window of the value in
    the prior's DICOM file (pydicom), which is 100 above the current study's;
  - 同步 across the studies: paging the current series 8 slices (10 mm) moves the prior 4 slices (its slices are
    2.5 mm), i.e. by distance, not by index; Shift + wheel on the prior adds an offset of one slice (偏移 +1) that is
    kept while paging; the prior's localizer card can be put in a viewport from the browser;
  - the other patient's study says 该患者没有其他检查.
Screenshots: Tests/e2e/artifacts/60…63-viewer-priors-*.png.
"""

import copy
import os
import shutil
import subprocess
import tempfile
from fractions import Fraction
from math import floor

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, ADMIN_PASSWORD, SLOW, make_ct, wait_port, sign_in

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_PRIORS_E2E_PORT", "19740"))
DICOM_PORT = HTTP_PORT + 1

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
np = pytest.importorskip("numpy")
from pydicom.uid import generate_uid  # noqa: E402

pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")

PRIOR_DATE = "20240601"
OLD_DATE = "20230115"
PIXEL_RAISE = 100
TABLE_SHIFT = 10.0  # mm


def rewrite(files, out, *, date, patient=None, keep=None, shift=0.0, raise_by=0, description=None):
    """Copies a study as another one: new study, series, instance and Frame of Reference UIDs."""
    os.makedirs(out, exist_ok=True)
    study = generate_uid()
    frame = generate_uid()
    series = {}
    written = []
    for n, f in enumerate(files):
        ds = pydicom.dcmread(f)
        if keep and not keep(ds):
            continue
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series.setdefault(ds.SeriesNumber, generate_uid())
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.FrameOfReferenceUID = frame
        ds.StudyDate = date
        ds.SeriesDate = date
        ds.ContentDate = date
        ds.AccessionNumber = "A" + date + str(len(series))
        if description:
            ds.StudyDescription = description
        if patient:
            ds.PatientID, ds.PatientName = patient
        if shift and "LOCALIZER" not in list(ds.ImageType):
            ipp = [float(v) for v in ds.ImagePositionPatient]
            ipp[2] += shift
            ds.ImagePositionPatient = [f"{v:.4f}" for v in ipp]
            if "SliceLocation" in ds:
                ds.SliceLocation = f"{float(ds.SliceLocation) + shift:.4f}"
        if raise_by:
            a = ds.pixel_array.astype(np.int32) + raise_by
            ds.PixelData = a.astype(ds.pixel_array.dtype).tobytes()
        path = os.path.join(out, f"{n:04d}.dcm")
        ds.save_as(path)
        written.append(path)
    return study, written


@pytest.fixture(scope="module")
def priors_server():
    data = tempfile.mkdtemp(prefix="yy-priors-")
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
        first = pydicom.dcmread(files[0], stop_before_pixels=True)
        current = first.StudyInstanceUID
        axial = sorted((f for f in files if "LOCALIZER" not in list(pydicom.dcmread(f, stop_before_pixels=True).ImageType)),
                       key=lambda f: float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2]))
        every_other = set(axial[::2])
        prior, prior_files = rewrite(files, os.path.join(data, "prior"), date=PRIOR_DATE, shift=TABLE_SHIFT, raise_by=PIXEL_RAISE,
                                     keep=lambda ds: "LOCALIZER" in list(ds.ImageType) or ds.filename in every_other)
        old, old_files = rewrite(files, os.path.join(data, "old"), date=OLD_DATE, description="胸部CT平扫",
                                 keep=lambda ds: "LOCALIZER" in list(ds.ImageType))
        other, other_files = rewrite(files, os.path.join(data, "other"), date="20241201", patient=("P0099999", "李四"),
                                     keep=lambda ds: "LOCALIZER" in list(ds.ImageType))
        for batch in (files, prior_files, old_files, other_files):
            r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(DICOM_PORT), *batch],
                               capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
            assert r.returncode == 0, r.stderr
        s = requests.Session()
        login = s.post(base + "/api/auth/login", json={"username": "head", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": HEAD_PASSWORD})
        assert c.status_code in (200, 204), c.text
        prior_sops = {}
        for f in prior_files:
            ds = pydicom.dcmread(f)
            prior_sops[ds.SOPInstanceUID] = ds
        cur_sops = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID: f for f in files}
        yield {"base": base, "current": current, "prior": prior, "old": old, "other": other, "prior_sops": prior_sops,
               "current_sops": cur_sops, "date": first.StudyDate}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- helpers

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


def ps33_byte(x, center, width):
    half = Fraction(1, 2)
    c, w = Fraction(center), Fraction(width)
    if x <= c - half - (w - 1) / 2:
        return 0
    if x > c - half + (w - 1) / 2:
        return 255
    return max(0, min(255, floor(((x - (c - half)) / (w - 1) + half) * 255 + half)))


def z_of(ds):
    return float(ds.ImagePositionPatient[2])


def tags(d):
    return [(e.get_attribute("data-kind"), e.text) for e in d.find_elements(By.CSS_SELECTOR, css_testid("study-tag")) if e.is_displayed()]


def iso(d8):
    return f"{d8[:4]}-{d8[4:6]}-{d8[6:]}"


# ---------------------------------------------------------------- the test

def test_priors_side_by_side_with_sync(browser, priors_server):
    server = priors_server
    d = browser
    d.get(f"{server['base']}/viewer/?study={server['current']}")
    WebDriverWait(d, SLOW).until(lambda d: "/#/login" in d.current_url)
    sign_in(d, server["base"])
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url)
    wait_loaded(d, 0)

    # ---- the patient's studies, newest first, the current one marked; not the other patient's.
    WebDriverWait(d, SLOW).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, css_testid("prior-study"))) >= 3)
    rows = d.find_elements(By.CSS_SELECTOR, css_testid("prior-study"))
    uids = [r.get_attribute("data-uid") for r in rows]
    assert uids == [server["current"], server["prior"], server["old"]], "newest first, only this patient's studies"
    assert rows[0].get_attribute("data-current") == "true" and rows[0].find_element(By.CSS_SELECTOR, css_testid("prior-current")).text == "当前"
    assert not rows[0].is_enabled(), "the current study cannot be opened again"
    assert iso(PRIOR_DATE) in rows[1].text and "CT" in rows[1].text and "21 幅" in rows[1].text, rows[1].text
    assert "胸部CT平扫" in rows[2].text and "1 幅" in rows[2].text, rows[2].text
    assert d.find_element(By.CSS_SELECTOR, css_testid("prior-count")).text == "其他 2 项"
    # The same list under the 对比 toolbar button.
    wait_visible(d, "tool-compare").click()
    menu_rows = wait_visible(d, "menu-compare").find_elements(By.CSS_SELECTOR, css_testid("prior-menu-study"))
    assert [r.get_attribute("data-uid") for r in menu_rows] == uids
    screenshot(d, "60-viewer-priors-menu.png")

    # ---- choose the 2024-06-01 prior: 1×2, its axial series on the right.
    menu_rows[1].click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "1x2" and cell(d, 1)["study"] == server["prior"])
    right = wait_loaded(d, 1)
    left = cell(d, 0)
    assert left["study"] == server["current"] and left["count"] == 40
    assert right["count"] == 20, "the prior's axial series (20 slices) is the best match of the axial series being read"
    assert right["sop"] in server["prior_sops"]
    WebDriverWait(d, SLOW).until(lambda d: len(tags(d)) == 2)
    assert tags(d) == [("current", f"当前 {iso(server['date'])}"), ("prior", f"历史 {iso(PRIOR_DATE)}")]
    heads = [e.text for e in d.find_elements(By.CSS_SELECTOR, css_testid("prior-group-head"))]
    assert len(heads) == 1 and iso(PRIOR_DATE) in heads[0] and "历史" in heads[0]
    assert iso(server["date"]) in d.find_element(By.CSS_SELECTOR, css_testid("current-group-head")).text
    group = d.find_element(By.CSS_SELECTOR, css_testid("prior-group"))
    assert len(group.find_elements(By.CSS_SELECTOR, css_testid("series-card"))) == 2

    # ---- the prior's own pixels on screen: the windowed value of its DICOM file, 100 above the current's.
    ds = server["prior_sops"][right["sop"]]
    col, row = 256, 300
    probe = d.execute_script("return window.viewerTest.probe(1, arguments[0], arguments[1])", col, row)
    assert probe, "the right viewport has exact pixels"
    stored = int(ds.pixel_array[row, col])
    assert probe["stored"] == stored
    value = stored * Fraction(str(probe["slope"])) + Fraction(str(probe["intercept"]))
    w = probe["window"]
    assert probe["rgba"][0] == ps33_byte(value, w["center"], w["width"]), (probe, value)
    screenshot(d, "61-viewer-priors-side-by-side.png")

    # ---- 同步 across studies: by distance along the table, not by index.
    d.execute_script("window.viewerTest.select(0)")
    # Linked where they are now; the prior lies 10 mm further along the table, its slices 2.5 mm apart.
    cur_z = z_of(pydicom.dcmread(server["current_sops"][cell(d, 0)["sop"]], stop_before_pixels=True))
    prior_z = z_of(server["prior_sops"][cell(d, 1)["sop"]])
    wait_visible(d, "tool-sync").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["syncScroll"])
    start_left, start_right = cell(d, 0)["index"], cell(d, 1)["index"]
    assert start_right == cell(d, 1)["index"], "turning 同步 on does not move the prior (linked where it is)"
    link = d.execute_script("return window.viewerTest.compare().links")[1]
    assert link and link["mode"] == "position"
    assert link["shift"] == pytest.approx(prior_z - cur_z, abs=1e-3), "the link keeps the table-position difference shown now"
    direction = 1 if start_left < 20 else -1
    for _ in range(8):
        wheel(d, 0, 100 * direction)
    wait_loaded(d, 0, start_left + 8 * direction)
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["index"] == start_right + 4 * direction)
    moved_cur = z_of(pydicom.dcmread(server["current_sops"][cell(d, 0)["sop"]], stop_before_pixels=True)) - cur_z
    moved_prior = z_of(server["prior_sops"][cell(d, 1)["sop"]]) - prior_z
    assert abs(moved_cur) == pytest.approx(10.0) and moved_prior == pytest.approx(moved_cur), "both moved 10 mm"
    assert "联动" in tags(d)[1][1]

    # Shift + wheel on the prior: one slice of offset, shown in the corner and kept while paging.
    before = cell(d, 1)["index"]
    wheel(d, 1, 100, shift=True)
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["offset"] == 1 and cell(d, 1)["index"] == before + 1)
    corner = d.find_elements(By.CSS_SELECTOR, css_testid("corner-tr"))[1].text
    assert "偏移 +1" in corner
    for _ in range(4):
        wheel(d, 0, 100 * direction)
    wait_loaded(d, 0, start_left + 12 * direction)
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["index"] == before + 1 + 2 * direction)
    wait_loaded(d, 1)
    screenshot(d, "62-viewer-priors-sync.png")

    # ---- a prior series from the study browser into a viewport: the prior's localizer.
    d.execute_script("window.viewerTest.select(1)")
    loc_card = [c for c in group.find_elements(By.CSS_SELECTOR, css_testid("series-card")) if c.get_attribute("data-number") == "1"][0]
    loc_card.click()
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["count"] == 1 and cell(d, 1)["study"] == server["prior"])
    wait_loaded(d, 1)
    assert cell(d, 1)["sop"] in server["prior_sops"]

    # ---- closing the prior: back to the current study alone.
    d.find_element(By.CSS_SELECTOR, css_testid("prior-close")).click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "1x1" and not d.find_elements(By.CSS_SELECTOR, css_testid("prior-group")))
    assert cell(d, 0)["study"] == server["current"]
    assert tags(d) == []


def test_no_other_studies_says_so(browser, priors_server):
    server = priors_server
    d = browser
    d.get(f"{server['base']}/viewer/?study={server['other']}")
    WebDriverWait(d, SLOW).until(lambda d: "/#/login" in d.current_url)
    sign_in(d, server["base"])
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url)
    wait_loaded(d, 0)
    empty = wait_visible(d, "prior-empty", SLOW)
    assert empty.text == "该患者没有其他检查"
    assert [r.get_attribute("data-uid") for r in d.find_elements(By.CSS_SELECTOR, css_testid("prior-study"))] == []
    wait_visible(d, "tool-compare").click()
    assert wait_visible(d, "prior-menu-empty").text == "该患者没有其他检查"
    screenshot(d, "63-viewer-priors-empty.png")
