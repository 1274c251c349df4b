"""Interop: study export from the viewer (VIEW-29, VIEW-30) and department window/level presets (VIEW-15).

- DICOM export: the ZIP opens with Python's zipfile (CRC checked), every file is byte for byte the object WADO-RS
  serves, and its DICOMDIR is read by pydicom's FileSet (records resolve to the files, Chinese names decoded) and
  passes dciodvfy and DCMTK's dcmdump; a series filter narrows it; a key-object document gets its own record type.
- JPEG export: one JPEG per frame (a multi-frame object gives _F001…), Pillow opens each at the image's size, the
  pixels are the requested window of the stored values, and documents without pixels are left out.
- Errors: unknown format 422, a series not in the study 404, a study outside the caller's institutions 404; every
  export is in the audit trail with the patient.
- Presets: a department head saves the RAD list, a resident of RAD gets it and may not change it, bad values are
  refused field by field, reset returns to the built-in list.
"""
import io
import os
import shutil
import subprocess
import tempfile
import zipfile

import numpy as np
import pytest

from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
Image = pytest.importorskip("PIL.Image")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.fileset import FileSet  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

STORESCU, DCIODVFY, DCMDUMP = "/usr/bin/storescu", "/usr/bin/dciodvfy", "/usr/bin/dcmdump"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")
HEAD_PASSWORD, RESIDENT_PASSWORD, ATTENDING_PASSWORD = "Rad#Yunying2026x", "Res#Yunying2026x", "Att#Yunying2026x"


def base(study, series, modality, number, sop_class):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientID, ds.PatientName, ds.PatientSex, ds.PatientBirthDate = "EXP001", "Li^Lei=李^雷", "M", "19700101"
    ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20261120", "093000", "1", "EXPA1"
    ds.StudyDescription, ds.Modality = "胸部平扫", modality
    ds.SeriesNumber, ds.InstanceNumber = number // 100, number % 100
    ds.SeriesDescription = "肺窗 1.25mm" if modality == "CT" else "心脏动态"
    return ds


def save(ds, folder):
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = os.path.join(folder, ds.SOPInstanceUID + ".dcm")
    ds.save_as(path, enforce_file_format=True)
    return path


def make_study(folder):
    study, ct, us = generate_uid(), generate_uid(), generate_uid()
    files, datasets = [], []
    for i in range(3):
        ds = base(study, ct, "CT", 201 + i, "1.2.840.10008.5.1.4.1.1.2")
        ds.Rows = ds.Columns = 64
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.WindowCenter, ds.WindowWidth = 40, 400
        ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 1.25
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        pixels = np.full((64, 64), 1024 - 1000, dtype=np.int16)  # air, -1000 HU
        pixels[16:48, 16:48] = 1024 + 40 + i * 10  # soft tissue, 40/50/60 HU
        ds.PixelData = pixels.tobytes()
        files.append(save(ds, folder))
        datasets.append(ds)
    ds = base(study, us, "US", 301, "1.2.840.10008.5.1.4.1.1.3.1")
    ds.Rows, ds.Columns, ds.NumberOfFrames, ds.FrameTime = 32, 48, 3, 40
    ds.FrameIncrementPointer = (0x0018, 0x1063)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = np.stack([np.full((32, 48), 60 * f, dtype=np.uint8) for f in range(3)]).tobytes()
    files.append(save(ds, folder))
    datasets.append(ds)
    return study, ct, us, files, datasets


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-export-")
    srv = Server(data, YUNYING_PUBLIC_URL="https://pacs.example.cn/").demo().start()
    try:
        folder = os.path.join(data, "in")
        os.makedirs(folder)
        study, ct, us, files, datasets = make_study(folder)
        r = subprocess.run([STORESCU, "-aec", "YUNYING", "127.0.0.1", str(srv.dicom), *files], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        head = srv.session("head", DEMO_PASSWORD, new_password=HEAD_PASSWORD)
        attending = srv.session("attending", DEMO_PASSWORD, new_password=ATTENDING_PASSWORD)
        marked = attending.post(srv.url(f"api/viewer/studies/{study}/key-images"), json={
            "items": [{"sopInstanceUID": datasets[1].SOPInstanceUID}],
            "description": "病灶层面"})
        assert marked.status_code == 201, marked.text
        yield {"srv": srv, "head": head, "study": study, "ct": ct, "us": us, "datasets": datasets, "data": data,
               "kos": marked.json()}
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


def export(ctx, **params):
    return ctx["head"].get(ctx["srv"].url(f"api/viewer/studies/{ctx['study']}/export"), params=params)


def test_dicom_zip_with_dicomdir(server, tmp_path):
    r = export(server, format="dicom")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/zip"
    assert "attachment" in r.headers["Content-Disposition"] and "EXP001_20261120_DICOM.zip" in r.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    names = archive.namelist()
    assert "DICOMDIR" in names
    files = [n for n in names if n != "DICOMDIR"]
    assert len(files) == 5  # three CT slices, the cine and the key-object document
    assert all(len(part) <= 8 and part.isupper() or part.isdigit() for n in files for part in n.split("/"))

    # Byte identity with what WADO-RS serves as stored.
    srv, head = server["srv"], server["head"]
    by_uid = {}
    for name in files:
        ds = pydicom.dcmread(io.BytesIO(archive.read(name)))
        by_uid[ds.SOPInstanceUID] = name
        stored = head.get(srv.url(f"dicomweb/studies/{server['study']}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"),
                          headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        assert stored.status_code == 200
        assert archive.read(name) in stored.content, name
    for ds in server["datasets"]:
        assert ds.SOPInstanceUID in by_uid

    # The file-set as a reader sees it.
    archive.extractall(tmp_path)
    fs = FileSet(pydicom.dcmread(tmp_path / "DICOMDIR"))
    assert len(fs) == 5
    assert {i.SOPInstanceUID for i in fs} == set(by_uid)
    for instance in fs:
        ds = instance.load()
        assert ds.SOPInstanceUID == instance.SOPInstanceUID
        assert instance.path.replace("\\", "/").endswith(by_uid[ds.SOPInstanceUID])
    patients = fs.find_values("PatientID")
    assert patients == ["EXP001"]
    dicomdir = pydicom.dcmread(tmp_path / "DICOMDIR")
    types = [rec.DirectoryRecordType for rec in dicomdir.DirectoryRecordSequence]
    assert types[:3] == ["PATIENT", "STUDY", "SERIES"] and types.count("SERIES") == 3
    assert types.count("IMAGE") == 4 and types.count("KEY OBJECT DOC") == 1
    patient = dicomdir.DirectoryRecordSequence[0]
    assert str(patient.PatientName) == "Li^Lei=李^雷"
    study = dicomdir.DirectoryRecordSequence[1]
    assert study.StudyDescription == "胸部平扫" and study.AccessionNumber == "EXPA1"

    # dciodvfy reads it as a Basic Directory IOD; DCMTK parses it.
    if os.path.exists(DCIODVFY):
        v = subprocess.run([DCIODVFY, "-new", str(tmp_path / "DICOMDIR")], capture_output=True, text=True)
        errors = [line for line in (v.stdout + v.stderr).splitlines() if line.startswith("Error")]
        assert not errors, v.stdout + v.stderr
        assert "BasicDirectory" in v.stdout + v.stderr or "Basic Directory" in v.stdout + v.stderr
    dump = subprocess.run([DCMDUMP, str(tmp_path / "DICOMDIR")], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert "DirectoryRecordSequence" in dump.stdout


def test_dicom_zip_of_one_series(server, tmp_path):
    r = export(server, format="dicom", series=server["ct"])
    assert r.status_code == 200, r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    archive.extractall(tmp_path)
    fs = FileSet(pydicom.dcmread(tmp_path / "DICOMDIR"))
    assert sorted(i.SOPInstanceUID for i in fs) == sorted(d.SOPInstanceUID for d in server["datasets"][:3])


def test_jpeg_zip(server):
    r = export(server, format="jpeg", window="40,400")
    assert r.status_code == 200, r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    ct = [n for n in names if n.startswith("S2_CT_")]
    us = [n for n in names if n.startswith("S3_US_")]
    assert len(names) == 6, names  # the key-object document has no pixels
    assert [n.split("/")[1] for n in ct] == ["IM0001.jpg", "IM0002.jpg", "IM0003.jpg"]
    assert ct[0].split("/")[0] == "S2_CT_肺窗 1.25mm"
    assert [n.split("/")[1] for n in us] == ["IM0001_F001.jpg", "IM0001_F002.jpg", "IM0001_F003.jpg"]
    for i, name in enumerate(ct):
        img = Image.open(io.BytesIO(archive.read(name)))
        assert img.format == "JPEG" and img.size == (64, 64)
        grey = np.asarray(img.convert("L"), dtype=float)
        # PS3.3 C.11.2.1.2 linear window 40/400 of 40 + 10i HU; air (-1000 HU) is black.
        hu = 40 + 10 * i
        expected = ((hu - (40 - 0.5)) / (400 - 1) + 0.5) * 255
        assert abs(grey[24:40, 24:40].mean() - expected) < 3, (name, grey[24:40, 24:40].mean(), expected)
        assert grey[2:10, 2:10].mean() < 3
    for f, name in enumerate(us):
        img = Image.open(io.BytesIO(archive.read(name)))
        assert img.size == (48, 32)
        # The requested window applies to every image of the export, the cine's 8-bit values (0, 60, 120) too.
        expected = ((60 * f - (40 - 0.5)) / (400 - 1) + 0.5) * 255
        assert abs(np.asarray(img.convert("L"), dtype=float).mean() - expected) < 3, (name, expected)


def test_export_errors_scope_and_audit(server):
    srv = server["srv"]
    assert export(server, format="tiff").status_code == 422
    missing = export(server, format="dicom", series="1.2.3.4")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    county = srv.session("county.reg", DEMO_PASSWORD, new_password="Cty#Yunying2026x")
    # county.reg has no study.view at all: refused before the study is looked up.
    assert county.get(srv.url(f"api/viewer/studies/{server['study']}/export")).status_code == 403
    auditor = srv.session("auditor", DEMO_PASSWORD, new_password="Aud#Yunying2026x")
    log = auditor.get(srv.url("api/audit"), params={"patientId": "EXP001", "action": "viewer.export"})
    assert log.status_code == 200, log.text
    details = [e.get("detail", "") for e in log.json()["items"]]
    assert any("DICOM 原始文件及 DICOMDIR" in d for d in details), details
    assert any("JPEG" in d for d in details), details


def test_department_presets(server):
    srv, head = server["srv"], server["head"]
    resident = srv.session("resident", DEMO_PASSWORD, new_password=RESIDENT_PASSWORD)
    start = resident.get(srv.url("api/viewer/presets")).json()
    assert start["departmentName"] and start["presets"] is None and start["canEdit"] is False
    mine = [{"id": "lung", "name": "肺窗", "nameEn": "Lung", "center": -700, "width": 1200},
            {"id": "neck", "name": "颈部软组织", "center": 50, "width": 300}]
    assert resident.put(srv.url("api/viewer/presets"), json={"presets": mine}).status_code == 403
    bad = head.put(srv.url("api/viewer/presets"), json={"presets": [
        {"id": "Lung!", "name": "", "center": -700, "width": 0}, {"id": "x", "name": "重复", "center": 1e9, "width": 10},
        {"id": "y", "name": "重复", "center": 0, "width": 10}]})
    assert bad.status_code == 422, bad.text
    fields = {f["field"] for f in bad.json()["error"]["fields"]}
    assert {"presets[0].id", "presets[0].name", "presets[0].width", "presets[1].center", "presets[2].name"} <= fields
    saved = head.put(srv.url("api/viewer/presets"), json={"presets": mine})
    assert saved.status_code == 200, saved.text
    assert saved.json()["canEdit"] is True and saved.json()["updatedBy"] == "黄卫东"
    got = resident.get(srv.url("api/viewer/presets")).json()
    assert [p["name"] for p in got["presets"]] == ["肺窗", "颈部软组织"] and got["presets"][0]["center"] == -700
    assert head.delete(srv.url("api/viewer/presets")).status_code == 204
    assert resident.get(srv.url("api/viewer/presets")).json()["presets"] is None


def test_retrieve_urls_use_the_public_url(server):
    """Behind a proxy the Host header is the client's to choose: RetrieveURLs use YUNYING_PUBLIC_URL (slash trimmed)."""
    head = server["head"]
    # requests picks cookies by the Host header, so the session cookie goes in by hand.
    cookie = "; ".join(f"{c.name}={c.value}" for c in head.cookies)
    found = requests.get(server["srv"].url("dicomweb/studies"), params={"PatientID": "EXP001"},
                         headers={"Host": "evil.example", "X-Forwarded-Proto": "gopher", "Cookie": cookie}).json()
    assert isinstance(found, list), found
    assert found[0]["00081190"]["Value"][0] == f"https://pacs.example.cn/dicomweb/studies/{server['study']}"

