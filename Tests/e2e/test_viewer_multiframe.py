"""Browser test of the viewer on an ENHANCED multi-frame object (issue #6: "works for … multi-frame"; VIEW-01/05/06/19).

Builds with pydicom an Enhanced CT Image (SOP class 1.2.840.10008.5.1.4.1.1.2.1): one instance, 20 frames of 64×64,
orientation and Pixel Measures (non-square pixels, 0.7 mm rows × 0.9 mm columns) in the Shared Functional Groups,
each frame's Image Position (Patient) and Rescale Slope/Intercept in its Per-frame Functional Groups item — frames
stored in a shuffled acquisition order — and no geometry or rescale at the top level. Next to it a single-frame
coronal CT localizer in the same Frame of Reference. Both go in over C-STORE (storescu) to a private server
(ports 19860/19861 unless YUNYING_VIEWER_MF_E2E_PORT says otherwise). Then:
  - paging: the viewer pages the frames by position along the normal (head first), whatever their frame numbers,
    and each WADO-RS frame it shows holds that frame's stored pixels; the corner shows the frame's position;
  - 参考线: the shown frame's plane cuts the localizer where Python computes it from the functional groups;
  - 定位: a click on the localizer pages the enhanced stack to the frame nearest the point;
  - 探针: a point probe shows HU = stored × the frame's own slope + intercept (different for every frame);
  - 长度: a length is measured with the Pixel Spacing of the Pixel Measures functional group.
Everything asserted is computed here from the numpy arrays and the functional groups written into the file.
Screenshots: Tests/e2e/artifacts/3xx-viewer-multiframe-*.png.
"""

import math
import os
import shutil
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, ADMIN_PASSWORD, SLOW, wait_port, sign_in

HTTP_PORT = int(os.environ.get("YUNYING_VIEWER_MF_E2E_PORT", "19860"))
DICOM_PORT = HTTP_PORT + 1
DCIODVFY = "/usr/bin/dciodvfy"

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
np = pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU)), reason="needs the server binary and DCMTK storescu")

from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.sequence import Sequence  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"
CT = "1.2.840.10008.5.1.4.1.1.2"
FRAMES, SIZE = 20, 64
ROW_MM, COL_MM, THICK = 0.7, 0.9, 2.5
ORIGIN_XY = (-28.8, -22.4)  # so that the 64×64 frame is centred near x = y = 0
# Per-frame Rescale Slope / Intercept, cycled over the frames.
RESCALES = [(1.0, -1024.0), (2.0, -2048.0), (0.5, -1024.0), (1.0, -1000.0), (1.5, -1536.0)]


def _seq(**kw):
    item = Dataset()
    for k, v in kw.items():
        setattr(item, k, v)
    return Sequence([item])


def _common(ds, sop_class, study, series, number, frame_of_reference):
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, ds.file_meta.MediaStorageSOPInstanceUID
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName, ds.PatientID, ds.PatientSex, ds.PatientBirthDate = "增强^多帧=Enhanced^Multiframe", "EMF001", "F", "19750505"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame_of_reference
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID, ds.ReferringPhysicianName = "20260102", "101500", "EMF1", "1", ""
    ds.SeriesDate, ds.SeriesTime, ds.ContentDate, ds.ContentTime = "20260102", "101600", "20260102", "101600"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", number, 1
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer, ds.ManufacturerModelName, ds.DeviceSerialNumber, ds.SoftwareVersions = "Yunying", "Synthetic", "0001", "1"
    ds.PatientPosition = "HFS"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.BurnedInAnnotation = "NO"


def hu_image(k):
    """HU of the slice at stack position k (0 = head end): air around a water disk, a bone bar that moves with k."""
    jj, ii = np.mgrid[0:SIZE, 0:SIZE]
    hu = np.full((SIZE, SIZE), -1000.0)
    hu[(ii - 31.5) ** 2 + (jj - 31.5) ** 2 < 27 ** 2] = 40.0
    hu += (ii % 8) * 2.0  # texture: a probe reads different values a few pixels apart
    hu[10:14, 8 + 2 * k:12 + 2 * k] = 700.0
    return hu


def make_enhanced_ct(out, study, frame_of_reference):
    """The Enhanced CT Image; returns (path, info) where info lists each frame's position, rescale and stored pixels."""
    rng = np.random.default_rng(6)
    order = rng.permutation(FRAMES)  # frame f (1-based) holds stack position order[f-1]
    ds = Dataset()
    _common(ds, ENHANCED_CT, study, generate_uid(), 1, frame_of_reference)
    ds.SeriesDescription = "Enhanced CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.AcquisitionNumber = 1
    ds.AcquisitionDateTime, ds.AcquisitionDuration = "20260102101600", 3.0
    ds.ContentQualification = "RESEARCH"
    ds.PresentationLUTShape, ds.PixelPresentation = "IDENTITY", "MONOCHROME"
    ds.VolumetricProperties, ds.VolumeBasedCalculationTechnique = "VOLUME", "NONE"
    ds.LossyImageCompression = "00"
    ds.AcquisitionContextSequence = Sequence([])
    ds.InstanceCreationDate, ds.InstanceCreationTime = "20260102", "101600"
    ds.Rows = ds.Columns = SIZE
    ds.NumberOfFrames = FRAMES
    # Multi-frame Dimension: one stack, frames indexed by In-Stack Position Number.
    dim_uid = generate_uid()
    ds.DimensionOrganizationSequence = _seq(DimensionOrganizationUID=dim_uid)
    d1, d2 = Dataset(), Dataset()
    d1.DimensionOrganizationUID, d1.DimensionIndexPointer, d1.FunctionalGroupPointer = dim_uid, 0x00209056, 0x00209111
    d2.DimensionOrganizationUID, d2.DimensionIndexPointer, d2.FunctionalGroupPointer = dim_uid, 0x00209057, 0x00209111
    ds.DimensionIndexSequence = Sequence([d1, d2])
    ds.DimensionOrganizationType = "3D"
    # Shared: orientation, pixel measures, a soft-tissue window, the CT acquisition/reconstruction descriptions.
    shared = Dataset()
    shared.PlaneOrientationSequence = _seq(ImageOrientationPatient=[1, 0, 0, 0, 1, 0])
    shared.PixelMeasuresSequence = _seq(PixelSpacing=[ROW_MM, COL_MM], SliceThickness=THICK)
    shared.FrameVOILUTSequence = _seq(WindowCenter=40, WindowWidth=400, WindowCenterWidthExplanation="SOFT")
    shared.FrameAnatomySequence = _seq(FrameLaterality="U", AnatomicRegionSequence=_seq(
        CodeValue="T-D3000", CodingSchemeDesignator="SRT", CodeMeaning="Chest"))
    shared.CTImageFrameTypeSequence = _seq(FrameType=["ORIGINAL", "PRIMARY", "AXIAL", "NONE"], PixelPresentation="MONOCHROME",
                                           VolumetricProperties="VOLUME", VolumeBasedCalculationTechnique="NONE")
    shared.IrradiationEventIdentificationSequence = _seq(IrradiationEventUID=generate_uid())
    shared.CTAcquisitionTypeSequence = _seq(AcquisitionType="SEQUENCED", ConstantVolumeFlag="NO", FluoroscopyFlag="NO")
    shared.CTAcquisitionDetailsSequence = _seq(DataCollectionDiameter=500, RevolutionTime=1.0, TotalCollimationWidth=40,
                                               SingleCollimationWidth=0.625, TableHeight=150, GantryDetectorTilt=0, RotationDirection="CW")
    shared.CTTableDynamicsSequence = _seq(TableSpeed=0, TableFeedPerRotation=0, SpiralPitchFactor=0)
    shared.CTGeometrySequence = _seq(DistanceSourceToDetector=1040, DistanceSourceToDataCollectionCenter=570)
    shared.CTReconstructionSequence = _seq(ReconstructionAlgorithm="FILTER_BACK_PROJ", ConvolutionKernel="STANDARD",
                                           ConvolutionKernelGroup="SOFT_TISSUE",
                                           ReconstructionFieldOfView=[SIZE * ROW_MM, SIZE * COL_MM], ReconstructionPixelSpacing=[ROW_MM, COL_MM],
                                           ReconstructionAngle=360, ImageFilter="NONE")
    shared.CTExposureSequence = _seq(ExposureTimeInms=1000, XRayTubeCurrentInmA=200, ExposureInmAs=200, ExposureModulationType="NONE",
                                     CTDIvol=10)
    shared.CTXRayDetailsSequence = _seq(KVP=120, FocalSpots=[1.0], FilterType="BODY", FilterMaterial=["AL"],
                                        CalciumScoringMassFactorPatient=0.8, CalciumScoringMassFactorDevice=[0.8, 0.8, 0.8])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame, frames, info = [], [], []
    for f in range(1, FRAMES + 1):
        k = int(order[f - 1])
        z = 10.0 - 5.0 * k  # stack position k: 10 mm (k = 0, the head end) down to −85 mm
        slope, intercept = RESCALES[(f - 1) % len(RESCALES)]
        stored = np.clip(np.rint((hu_image(k) - intercept) / slope), 0, 4095).astype(np.uint16)
        item = Dataset()
        item.FrameContentSequence = _seq(FrameAcquisitionNumber=1, FrameReferenceDateTime="20260102101600",
                                         FrameAcquisitionDateTime="20260102101600", FrameAcquisitionDuration=100,
                                         StackID="1", InStackPositionNumber=k + 1, DimensionIndexValues=[1, k + 1])
        item.PlanePositionSequence = _seq(ImagePositionPatient=[ORIGIN_XY[0], ORIGIN_XY[1], z])
        item.PixelValueTransformationSequence = _seq(RescaleIntercept=intercept, RescaleSlope=slope, RescaleType="HU")
        item.CTPositionSequence = _seq(TablePosition=-z, ReconstructionTargetCenterPatient=[0, 0, z],
                                       DataCollectionCenterPatient=[0, 0, z])
        per_frame.append(item)
        frames.append(stored)
        info.append({"frame": f, "k": k, "z": z, "slope": slope, "intercept": intercept, "stored": stored})
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.PixelData = np.stack(frames).astype("<u2").tobytes()
    path = os.path.join(out, "enhanced-ct.dcm")
    ds.save_as(path, enforce_file_format=True)
    return path, info, ds


def make_localizer(out, study, frame_of_reference):
    """A coronal CT localizer, 80 columns × 120 rows at 1 mm, x from −40 mm, z from +20 mm down to −99 mm."""
    ds = Dataset()
    _common(ds, CT, study, generate_uid(), 2, frame_of_reference)
    ds.SeriesDescription = "Localizer"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    ds.AcquisitionNumber = 1
    ds.KVP = 120
    ds.ImagePositionPatient = [-40, 0, 20]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]
    ds.PixelSpacing = [1, 1]
    ds.SliceThickness = 1
    ds.Rows, ds.Columns = 120, 80
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.Laterality = ""
    ds.WindowCenter, ds.WindowWidth = 40, 400
    jj, ii = np.mgrid[0:120, 0:80]
    img = np.where(abs(ii - 40) < 28, 1064, 24) + (jj % 10) * 3
    ds.PixelData = img.astype("<u2").tobytes()
    path = os.path.join(out, "localizer.dcm")
    ds.save_as(path, enforce_file_format=True)
    return path, ds


def make_study(out):
    os.makedirs(out, exist_ok=True)
    study, frame_of_reference = generate_uid(), generate_uid()
    ect, info, ect_ds = make_enhanced_ct(out, study, frame_of_reference)
    loc, loc_ds = make_localizer(out, study, frame_of_reference)
    return {"study": study, "files": [ect, loc], "info": info, "enhanced": ect_ds, "localizer": loc_ds}


def dciodvfy_errors(path):
    """The Error lines of dciodvfy (DICOM 3 tools) for a file; empty when the tool is missing."""
    if not os.access(DCIODVFY, os.X_OK):
        return []
    r = subprocess.run([DCIODVFY, "-new", path], capture_output=True, text=True)
    return [line for line in (r.stdout + r.stderr).splitlines() if line.startswith("Error")]


@pytest.fixture(scope="module")
def mf_server():
    data = tempfile.mkdtemp(prefix="yy-mf-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        made = make_study(os.path.join(data, "dicom"))
        for f in made["files"]:
            errors = dciodvfy_errors(f)
            assert not errors, f"{os.path.basename(f)}: " + "\n".join(errors)
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(DICOM_PORT), *made["files"]],
                           capture_output=True, text=True)
        assert r.returncode == 0 and "Failed" not in r.stderr, r.stderr
        s = requests.Session()
        login = s.post(base + "/api/auth/login", json={"username": "head", "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": HEAD_PASSWORD})
        assert c.status_code in (200, 204), c.text
        yield {"base": base, "session": s, **made}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- geometry, from the functional groups, in Python

def frame_plane(ds, frame):
    """A frame's plane from the Shared / Per-frame Functional Groups (per-frame wins), as PS3.3 C.7.6.16 says."""
    shared = ds.SharedFunctionalGroupsSequence[0]
    own = ds.PerFrameFunctionalGroupsSequence[frame - 1]

    def attr(seq, name):
        for group in (own, shared):
            if seq in group:
                return getattr(group[seq].value[0], name)
        raise KeyError(seq)
    o = np.array([float(v) for v in attr("PlaneOrientationSequence", "ImageOrientationPatient")])
    spacing = [float(v) for v in attr("PixelMeasuresSequence", "PixelSpacing")]
    return {"origin": np.array([float(v) for v in attr("PlanePositionSequence", "ImagePositionPatient")]), "row": o[:3], "col": o[3:],
            "normal": np.cross(o[:3], o[3:]), "rs": spacing[0], "cs": spacing[1], "rows": int(ds.Rows), "cols": int(ds.Columns)}


def plane(ds):
    o = np.array([float(v) for v in ds.ImageOrientationPatient])
    return {"origin": np.array([float(v) for v in ds.ImagePositionPatient]), "row": o[:3], "col": o[3:], "normal": np.cross(o[:3], o[3:]),
            "rs": float(ds.PixelSpacing[0]), "cs": float(ds.PixelSpacing[1]), "rows": int(ds.Rows), "cols": int(ds.Columns)}


def to_patient(p, x, y):
    return p["origin"] + (x - 0.5) * p["cs"] * p["row"] + (y - 0.5) * p["rs"] * p["col"]


def line_y_at(loc, ax, x):
    """Image y on the localizer at column x where the frame's plane cuts it (linear in y)."""
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


def wheel(d, i, dy):
    d.execute_script("""
        const el = document.querySelectorAll('[data-testid="viewport"]')[arguments[0]], r = el.getBoundingClientRect();
        el.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, deltaY: arguments[1], deltaMode: 0,
          clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));
    """, i, dy)


def client(d, i, x, y):
    p = d.execute_script("return window.viewerTest.toClient(arguments[0], arguments[1], arguments[2])", i, x, y)
    return round(p["x"]), round(p["y"])


def click_at(d, i, x, y):
    ac = ActionChains(d, duration=20)
    ptr = ac.w3c_actions.pointer_action
    ptr.move_to_location(*client(d, i, x, y))
    ptr.click()
    ac.perform()


def drag(d, i, points):
    ac = ActionChains(d, duration=30)
    ptr = ac.w3c_actions.pointer_action
    ptr.move_to_location(*client(d, i, *points[0]))
    ptr.pointer_down()
    for p in points[1:]:
        ptr.move_to_location(*client(d, i, *p))
        ptr.pause(0.02)
    ptr.pointer_up()
    ac.perform()


def key(d, *keys):
    d.find_element(By.TAG_NAME, "body").send_keys(*keys)


def annotations(d, i=0):
    return d.execute_script("return window.viewerTest.annotations(arguments[0])", i)


def park(d):
    ActionChains(d).move_to_element(d.find_element(By.CSS_SELECTOR, css_testid("series-list"))).perform()


def is_yellow(rgba):
    return rgba[3] > 200 and rgba[0] > 200 and rgba[1] > 170 and rgba[2] < 140


# ---------------------------------------------------------------- the test

def test_enhanced_ct_metadata_round_trip(mf_server):
    """The server stores the Enhanced CT whole and gives its functional groups and frames back over DICOMweb."""
    srv = mf_server
    s = srv["session"]
    series = s.get(f"{srv['base']}/dicomweb/studies/{srv['study']}/series", headers={"Accept": "application/dicom+json"}).json()
    by_number = {int(x["00200011"]["Value"][0]): x["0020000E"]["Value"][0] for x in series}
    meta = s.get(f"{srv['base']}/dicomweb/studies/{srv['study']}/series/{by_number[1]}/metadata",
                 headers={"Accept": "application/dicom+json"}).json()
    assert len(meta) == 1
    m = meta[0]
    assert m["00080016"]["Value"] == [ENHANCED_CT] and m["00280008"]["Value"][0] == FRAMES
    per_frame = m["52009230"]["Value"]
    assert len(per_frame) == FRAMES
    for item, want in zip(per_frame, srv["info"]):
        assert item["00209113"]["Value"][0]["00200032"]["Value"][2] == pytest.approx(want["z"])
        pvt = item["00289145"]["Value"][0]
        assert pvt["00281053"]["Value"][0] == pytest.approx(want["slope"]) and pvt["00281052"]["Value"][0] == pytest.approx(want["intercept"])
    shared = m["52009229"]["Value"][0]
    assert shared["00289110"]["Value"][0]["00280030"]["Value"] == pytest.approx([ROW_MM, COL_MM])
    # A frame from WADO-RS is that frame's stored pixels (frame 7, native little endian).
    r = s.get(f"{srv['base']}/dicomweb/studies/{srv['study']}/series/{by_number[1]}/instances/{m['00080018']['Value'][0]}/frames/7",
              headers={"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1'})
    assert r.status_code == 200, r.text
    body = r.content
    start = body.index(b"\r\n\r\n") + 4
    px = np.frombuffer(body[start:start + SIZE * SIZE * 2], "<u2").reshape(SIZE, SIZE)
    assert (px == srv["info"][6]["stored"]).all()


def test_enhanced_ct_paging_reference_line_probe_and_length(browser, mf_server):
    srv = mf_server
    d = browser
    info = {i["frame"]: i for i in srv["info"]}
    ect, loc_ds = srv["enhanced"], srv["localizer"]
    d.get(f"{srv['base']}/viewer/?study={srv['study']}")
    WebDriverWait(d, SLOW).until(lambda d: "/#/login" in d.current_url)
    sign_in(d, srv["base"])
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url)
    wait_loaded(d, 0)
    # 1×2: the enhanced CT (series 1) and the localizer (series 2).
    wait_visible(d, "tool-layout").click()
    wait_visible(d, "layout-1x2").click()
    WebDriverWait(d, SLOW).until(lambda d: state(d)["layout"] == "1x2")
    wait_loaded(d, 1)
    assert cell(d, 0)["count"] == FRAMES and cell(d, 1)["count"] == 1
    d.execute_script("window.viewerTest.select(0)")

    # ---- Paging: by position along the normal (+z), head first, i.e. stack position k = 0, 1, …; every frame shown
    # is the WADO-RS frame of that number (stored pixels equal), with its own Modality LUT.
    want_frames = [f for f, _ in sorted(info.items(), key=lambda kv: -kv[1]["z"])]
    assert want_frames != sorted(want_frames), "the file's frame order is not the position order"
    seen = []
    for i in range(FRAMES):
        if i:
            wheel(d, 0, 100)
        c = wait_loaded(d, 0, index=i)
        seen.append(c["frame"])
        fr = info[c["frame"]]
        for (col, row) in ((5, 5), (31, 31), (9 + 2 * fr["k"], 11)):
            p = d.execute_script("return window.viewerTest.probe(0, arguments[0], arguments[1])", col, row)
            assert p["stored"] == int(fr["stored"][row, col]), (i, c["frame"], col, row, p)
            assert p["slope"] == fr["slope"] and p["intercept"] == fr["intercept"], (c["frame"], p)
    assert seen == want_frames, (seen, want_frames)
    zs = [info[f]["z"] for f in seen]
    assert zs == sorted(zs, reverse=True)

    # ---- 参考线 (VIEW-05): the shown frame's plane on the localizer, computed here from the functional groups.
    loc = plane(loc_ds)
    for target in (3, 12):
        while cell(d, 0)["index"] != target:
            wheel(d, 0, 100 if cell(d, 0)["index"] < target else -100)
            wait_loaded(d, 0)
        c = wait_loaded(d, 0, index=target)
        ax = frame_plane(ect, c["frame"])
        WebDriverWait(d, SLOW).until(lambda d: cell(d, 1)["refLine"] is not None)
        line = cell(d, 1)["refLine"]
        for end in line:
            want = line_y_at(loc, ax, end["x"])
            assert abs(end["y"] - want) < 1e-3, (c["frame"], end, want)
        assert abs(line[0]["y"] - (20 - info[c["frame"]]["z"] + 0.5)) < 1e-6, "the row at the frame's z"
        xs = sorted(e["x"] for e in line)
        assert abs(xs[0]) < 1e-6 and abs(xs[1] - loc["cols"]) < 1e-6
        mid = ((line[0]["x"] + line[1]["x"]) / 2, line[0]["y"])
        assert is_yellow(d.execute_script("return window.viewerTest.overlayPixel(1, arguments[0], arguments[1])", *mid)), "the line is drawn"
    corner = d.find_elements(By.CSS_SELECTOR, css_testid("corner-br"))[0].text
    z = info[cell(d, 0)["frame"]]["z"]
    assert f"层面位置 {z:g} mm" in corner and f"层厚 {THICK:g} mm" in corner, corner
    tr = d.find_elements(By.CSS_SELECTOR, css_testid("corner-tr"))[0].text
    assert f"图像 13/{FRAMES}" in tr and f"帧 {cell(d, 0)['frame']}/{FRAMES}" in tr.replace(" ", " "), tr
    park(d)
    screenshot(d, "300-viewer-multiframe-refline.png")

    # ---- 定位 (VIEW-06): a click on the localizer at the height of stack position 6 pages the enhanced CT there.
    wait_visible(d, "tool-locate").click()
    target_k = 6
    target_z = 10.0 - 5.0 * target_k
    click_at(d, 1, loc["cols"] / 3, 20 - target_z + 0.5)
    WebDriverWait(d, SLOW).until(lambda d: state(d)["cursor"] is not None)
    c = wait_loaded(d, 0, index=target_k)
    assert info[c["frame"]]["z"] == target_z
    WebDriverWait(d, SLOW).until(lambda d: cell(d, 0)["cursorAt"] is not None)
    cursor = np.array(state(d)["cursor"])
    ax = frame_plane(ect, c["frame"])
    d_ = cursor - ax["origin"]
    got = cell(d, 0)["cursorAt"]
    assert abs(got["x"] - (d_ @ ax["row"] / ax["cs"] + 0.5)) < 1e-6 and abs(got["y"] - (d_ @ ax["col"] / ax["rs"] + 0.5)) < 1e-6
    park(d)
    screenshot(d, "301-viewer-multiframe-locate.png")
    key(d, Keys.ESCAPE)

    # ---- 探针 (VIEW-19): HU = stored × this frame's slope + intercept, on two frames with different rescales.
    d.execute_script("window.viewerTest.select(0)")
    checked = set()
    # Two frames whose slope is not 1 (2 and 0.5), so that a viewer using one rescale for all frames would fail.
    targets = [next(i for i, f in enumerate(want_frames) if info[f]["slope"] == slope) for slope in (2.0, 0.5)]
    for target in targets:
        while cell(d, 0)["index"] != target:
            wheel(d, 0, 100 if cell(d, 0)["index"] < target else -100)
            wait_loaded(d, 0)
        c = wait_loaded(d, 0, index=target)
        fr = info[c["frame"]]
        checked.add((fr["slope"], fr["intercept"]))
        key(d, "p")
        before = len(annotations(d))
        click_at(d, 0, 20.5, 30.5)
        WebDriverWait(d, SLOW).until(lambda d: len(annotations(d)) == before + 1)
        probe = [a for a in annotations(d) if a["type"] == "probe"][-1]
        px = probe["points"][0]
        stored = int(fr["stored"][int(px["y"]), int(px["x"])])
        hu = stored * fr["slope"] + fr["intercept"]
        assert probe["lines"][0] == f"{hu:.0f} HU", (c["frame"], probe["lines"], stored, fr["slope"], fr["intercept"])
        assert abs(hu - hu_image(fr["k"])[int(px["y"]), int(px["x"])]) <= fr["slope"] / 2 + 1e-9
        key(d, Keys.ESCAPE)
    assert len(checked) == 2, "two frames with different Rescale Slope/Intercept"

    # ---- 长度 (VIEW-19): Pixel Spacing from the Pixel Measures functional group (0.7 mm rows, 0.9 mm columns).
    key(d, "l")
    WebDriverWait(d, SLOW).until(lambda d: "on" in d.find_element(By.CSS_SELECTOR, css_testid("tool-length")).get_attribute("class"))
    before = len(annotations(d))
    drag(d, 0, [(10, 50), (30, 40), (54, 20)])
    WebDriverWait(d, SLOW).until(lambda d: len(annotations(d)) == before + 1)
    length = [a for a in annotations(d) if a["type"] == "length"][-1]
    (p, q) = length["points"]
    fp = frame_plane(ect, cell(d, 0)["frame"])
    want = math.hypot((q["x"] - p["x"]) * fp["cs"], (q["y"] - p["y"]) * fp["rs"])
    assert length["lines"] == [f"{want:.2f} mm"], (length["lines"], want)
    assert abs(length["values"]["length"] - want) < 1e-9
    assert abs(want - math.hypot((q["x"] - p["x"]) * COL_MM, (q["y"] - p["y"]) * ROW_MM)) < 1e-12
    key(d, Keys.ESCAPE)
    park(d)
    screenshot(d, "302-viewer-multiframe-measure.png")
