"""Small synthetic studies and a private server for the browser tests of the magnifier, DICOM overlays and cine
(test_viewer_magnifier.py, test_viewer_overlays.py, test_viewer_cine.py).

Everything a test asserts is computed here from the numpy arrays the files are made of (pixel values, overlay
masks), not from the viewer; the overlay bits are packed with pydicom's pack_bits (PS3.5 8.1.2) and read back
with pydicom's overlay_array as a cross-check.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from math import cos, floor, radians, sin
from pathlib import Path

import numpy as np
import pydicom
import requests
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import pack_bits
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from helpers import css_testid, wait_visible
from test_viewer import BIN, MAKE_DATASET, STORESCU, ADMIN_PASSWORD, DEMO_PASSWORD, HEAD_PASSWORD, SLOW, wait_port

MR = "1.2.840.10008.5.1.4.1.1.4"
US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"


def _base(sop_class, study, series, number, modality, patient, instance=1):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName, ds.PatientID, ds.PatientSex, ds.PatientBirthDate = patient
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID = "20260101", "090000", "", "1"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = modality, number, instance
    ds.SeriesDescription = f"{modality} {number}"
    return ds


def _pixels(ds, array, bits, photometric="MONOCHROME2"):
    frames = array.shape[0] if array.ndim == 3 else 1
    ds.Rows, ds.Columns = array.shape[-2], array.shape[-1]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits, bits - 1, 0
    if array.ndim == 3:
        ds.NumberOfFrames = frames
    ds.PixelData = array.astype("<u2" if bits == 16 else "u1").tobytes()


def _overlay(ds, group, mask, origin, frames=None, frame_origin=None, kind="G"):
    """Adds overlay plane `group` from a bool array (rows, cols) or (frames, rows, cols)."""
    m = mask if mask.ndim == 3 else mask[None]
    ds.add_new((group << 16) | 0x0010, "US", m.shape[1])
    ds.add_new((group << 16) | 0x0011, "US", m.shape[2])
    ds.add_new((group << 16) | 0x0040, "CS", kind)
    ds.add_new((group << 16) | 0x0050, "SS", list(origin))
    ds.add_new((group << 16) | 0x0100, "US", 1)
    ds.add_new((group << 16) | 0x0102, "US", 0)
    if frames is not None:
        ds.add_new((group << 16) | 0x0015, "IS", str(frames))
        ds.add_new((group << 16) | 0x0051, "US", frame_origin)
    ds.add_new((group << 16) | 0x3000, "OW", pack_bits(m.ravel().astype(np.uint8)))


def _write(ds, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def overlay_masks():
    """The planes of the single-frame overlay image: 6000 random (inline in the metadata: 37×53 bits < 1 KiB) and
    6002 a frame with a filled block (Overlay Data as a BulkDataURI: 100×96 bits > 1 KiB)."""
    rng = np.random.default_rng(6000)
    a = rng.random((37, 53)) < 0.5
    b = np.zeros((100, 96), bool)
    b[:3, :] = b[-3:, :] = True
    b[:, :3] = b[:, -3:] = True
    b[40:70, 20:50] = True
    return {0x6000: (a, (11, 21)), 0x6002: (b, (15, 61))}


def make_studies(out):
    """Writes the studies; returns {name: {...}} with UIDs, files and the arrays the tests compare with."""
    studies = {}
    # 1. An MR-like image with two overlay planes (magnifier and overlay tests): 3 slices of random 12-bit values.
    rng = np.random.default_rng(17)
    study, series = generate_uid(), generate_uid()
    files, images, by_sop = [], [], {}
    masks = overlay_masks()
    for i in range(3):
        ds = _base(MR, study, series, 1, "MR", ("叠加层^测试=Overlay^Test", "OV001", "F", "19800101"), i + 1)
        img = rng.integers(0, 4096, size=(120, 160)).astype(np.uint16)
        _pixels(ds, img, 16)
        ds.WindowCenter, ds.WindowWidth = "2048", "4096"
        ds.ImagePositionPatient = [0, 0, float(i)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = ["1", "1"]
        for group, (m, origin) in masks.items():
            _overlay(ds, group, m, origin)
        files.append(_write(ds, os.path.join(out, "ov", f"{i + 1}.dcm")))
        images.append(img)
        by_sop[ds.SOPInstanceUID] = img
    studies["overlay"] = {"study": study, "series": series, "files": files, "images": images, "by_sop": by_sop, "masks": masks,
                          "window": (2048, 4096)}
    # 2. A multi-frame image whose overlay 6000 has 2 frames on image frames 3–4 (60xx,0015 / 60xx,0051), 30×41 bits
    #    a frame (not a multiple of 8: frame 2 starts mid-byte), and a single-frame plane 6002 that applies to all.
    study2, series2 = generate_uid(), generate_uid()
    ds = _base(US_MULTIFRAME, study2, series2, 1, "US", ("多帧^叠加=Multi^Overlay", "OV002", "M", "19700101"))
    _pixels(ds, (np.arange(6)[:, None, None] * 20 + np.arange(80)[None, None, :] + np.zeros((6, 64, 80))).astype(np.uint8), 8)
    ds.FrameTime, ds.FrameIncrementPointer = "100", 0x00181063
    ds.WindowCenter, ds.WindowWidth = "128", "256"
    mf = np.random.default_rng(30).random((2, 30, 41)) < 0.5
    single = np.zeros((10, 10), bool)
    single[2:8, 2:8] = True
    _overlay(ds, 0x6000, mf, (5, 7), frames=2, frame_origin=3)
    _overlay(ds, 0x6002, single, (40, 60))
    studies["multiframe"] = {"study": study2, "series": series2, "files": [_write(ds, os.path.join(out, "mf", "1.dcm"))],
                             "frames": 6, "planes": {0x6000: (mf, (5, 7), 3), 0x6002: (single, (40, 60), None)}}
    # 3. Cine: 24 frames 48×64, Frame Time 125 ms (8 frames/s); frame k is filled with 10·k (rows 30–39 aside).
    study3, series3 = generate_uid(), generate_uid()
    ds = _base(US_MULTIFRAME, study3, series3, 1, "US", ("电影^回放=Cine^Play", "CINE01", "F", "19900101"))
    cine = (np.arange(24)[:, None, None] * 10 + np.zeros((24, 48, 64))).astype(np.uint8)
    for k in range(24):
        cine[k, 30:40, 2 * k:2 * k + 4] = 250  # a bar that moves right, away from the rows the test reads
    _pixels(ds, cine, 8)
    ds.FrameTime, ds.FrameIncrementPointer, ds.CineRate = "125", 0x00181063, 8
    ds.WindowCenter, ds.WindowWidth = "128", "256"
    studies["cine"] = {"study": study3, "series": series3, "files": [_write(ds, os.path.join(out, "cine", "1.dcm"))],
                       "frames": 24, "frame_time": 125.0}
    # Cross-check the packing with pydicom's own overlay decoder.
    check = pydicom.dcmread(studies["overlay"]["files"][0])
    for group, (m, _) in masks.items():
        assert (check.overlay_array(group).astype(bool) == m).all()
    return studies


def expected_overlay(shape, planes):
    """The union of overlay planes on an image of `shape` (rows, cols): planes = [(mask, (row, col) origin 1-based)]."""
    out = np.zeros(shape, bool)
    for m, (r0, c0) in planes:
        for r, c in zip(*np.nonzero(m)):
            y, x = r + r0 - 1, c + c0 - 1
            if 0 <= y < shape[0] and 0 <= x < shape[1]:
                out[y, x] = True
    return out


def view_matrix(v):
    """Image → canvas (device pixels) for a viewer ViewState, written out from its definition (docs in
    view-transform.js): T(viewport centre + pan) · R(rotation) · S(zoom, zoom·aspect) · F(flips) · T(−image centre)."""
    def t(x, y):
        return np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], float)
    r = radians(v["rotation"])
    s, c = round(sin(r), 12), round(cos(r), 12)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], float)
    scale = np.diag([v["zoom"], v["zoom"] * v.get("aspect", 1), 1.0])
    flip = np.diag([-1.0 if v["flipH"] else 1.0, -1.0 if v["flipV"] else 1.0, 1.0])
    return (t(v["viewportWidth"] / 2 + v["panX"], v["viewportHeight"] / 2 + v["panY"]) @ rot @ scale @ flip
            @ t(-v["imageWidth"] / 2, -v["imageHeight"] / 2))


def ps33_byte(x, center, width):
    """PS3.3 C.11.2.1.2 LINEAR, exact rationals, output 0…255 rounded half up."""
    half = Fraction(1, 2)
    c, w = Fraction(center), Fraction(width)
    if x <= c - half - (w - 1) / 2:
        return 0
    if x > c - half + (w - 1) / 2:
        return 255
    return max(0, min(255, floor(((x - (c - half)) / (w - 1) + half) * 255 + half)))


@contextlib.contextmanager
def server(port, prefix, dx=False):
    """A private Yunying server on `port` (DICOM port + 1) holding the synthetic studies; yields (base, studies).
    dx: also the chest radiograph of /work/shared/testdata/make_dataset.py (2048×2500, overlay plane 6000)."""
    data = tempfile.mkdtemp(prefix=prefix)
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(port), YUNYING_DICOM_PORT=str(port + 1),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_port(base + "/healthz")
        studies = make_studies(os.path.join(data, "dicom"))
        if dx and MAKE_DATASET.exists():
            out = os.path.join(data, "dx")
            subprocess.run([sys.executable, str(MAKE_DATASET), "--out", out, "--patients", "1", "--modalities", "dx"],
                           check=True, capture_output=True)
            f = sorted(str(p) for p in Path(out).rglob("*.dcm"))[0]
            studies["dx"] = {"study": pydicom.dcmread(f, stop_before_pixels=True).StudyInstanceUID, "files": [f]}
        files = [f for s in studies.values() for f in s["files"]]
        r = subprocess.run([STORESCU, "-aet", "MOD01", "-aec", "YUNYING", "127.0.0.1", str(port + 1), *files],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        s = requests.Session()
        login = s.post(base + "/api/auth/login", json={"username": "head", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": HEAD_PASSWORD})
        assert c.status_code in (200, 204), c.text
        yield base, studies
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def open_study(driver, base, study):
    """Opens the viewer on a study, signing in as the department head when the login page comes first."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/viewer/?study={study}")
    def ready(d):
        if "/#/login" in d.current_url:
            return True
        s = state(d)
        return bool(s and s["cells"] and s["cells"][0]["loaded"])
    WebDriverWait(driver, SLOW).until(ready)
    if "/#/login" in driver.current_url:
        wait_visible(driver, "login-username", SLOW).send_keys("head")
        wait_visible(driver, "login-password").send_keys(HEAD_PASSWORD)
        wait_visible(driver, "login-submit").click()
        WebDriverWait(driver, SLOW).until(lambda d: "/viewer/" in d.current_url)
    return wait_cell(driver)


def state(driver):
    return driver.execute_script("return window.viewerTest ? window.viewerTest.state() : null")


def wait_cell(driver, cell=0, index=None):
    from selenium.webdriver.support.ui import WebDriverWait

    def ok(d):
        s = state(d)
        if not s or len(s["cells"]) <= cell:
            return False
        c = s["cells"][cell]
        return c["loaded"] and (index is None or c["index"] == index)
    WebDriverWait(driver, SLOW).until(ok)
    return state(driver)["cells"][cell]


def read_canvas(driver, selector, cell=0):
    """RGBA of a 2D canvas (the annotation overlay of a viewport, or the magnifier lens) as a numpy array."""
    import base64

    got = driver.execute_script("""
      const el = document.querySelectorAll(arguments[0])[arguments[1]];
      if (!el) return null;
      if (window.viewerTest) window.viewerTest.read(0); // draws now (and the overlay and lens with it)
      const ctx = el.getContext('2d');
      const d = ctx.getImageData(0, 0, el.width, el.height).data;
      let s = '';
      for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
      return { width: el.width, height: el.height, rgba: btoa(s) };
    """, selector, cell)
    if not got:
        return None
    return np.frombuffer(base64.b64decode(got["rgba"]), np.uint8).reshape(got["height"], got["width"], 4)


__all__ = ["server", "open_study", "state", "wait_cell", "read_canvas", "view_matrix", "expected_overlay", "ps33_byte",
           "css_testid"]
