"""Interop: correcting a patient and merging two registrations of one person keep index and objects consistent.

After an update or a merge, QIDO-RS, WADO-RS (pydicom reads the object) and C-FIND (DCMTK findscu) all say the same,
including a Chinese name written into an object that arrived in ISO_IR 100 (it is moved to UTF-8 as a whole).
"""
import io
import os
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

STORESCU, FINDSCU = "/usr/bin/storescu", "/usr/bin/findscu"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")


def image(folder, patient_id, name, charset):
    ds = Dataset()
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.PatientName, ds.PatientSex, ds.PatientBirthDate = patient_id, name, "M", "19600101"
    ds.StudyDate, ds.Modality, ds.AccessionNumber, ds.InstitutionName = "20241201", "CT", "A" + patient_id, "Müller Klinik"
    ds.Rows = ds.Columns = 4
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = np.arange(16, dtype=np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = os.path.join(folder, ds.SOPInstanceUID + ".dcm")
    ds.save_as(path, enforce_file_format=True)
    return path, ds


def test_update_and_merge_rewrite_objects():
    data = tempfile.mkdtemp(prefix="yy-patient-")
    server = Server(data).demo().start()
    try:
        first_path, first = image(data, "P100", "Zhang^San", "ISO_IR 100")
        second_path, second = image(data, "P100B", "Zhang^San", "ISO_IR 192")
        r = subprocess.run([STORESCU, "-aec", "YUNYING", "127.0.0.1", str(server.dicom), first_path, second_path], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        listed = head.get(server.url("api/archive/patients"), params={"q": "zhang"})
        assert listed.status_code == 200, listed.text
        found = {p["patientId"]: p for p in listed.json()["items"]}
        assert set(found) == {"P100", "P100B"}

        def stored(ds):
            url = server.url(f"dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}")
            got = head.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
            assert got.status_code == 200, got.text
            return pydicom.dcmread(io.BytesIO(got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]))

        # Correct the name (now with its Chinese form) and the sex: the ISO_IR 100 object becomes UTF-8, nothing else changes.
        bad = head.put(server.url(f"api/archive/patients/{found['P100']['id']}"), json={"sex": "X", "birthDate": "1960-13"})
        assert bad.status_code == 422 and {f["field"] for f in bad.json()["error"]["fields"]} == {"sex", "birthDate"}
        taken = head.put(server.url(f"api/archive/patients/{found['P100']['id']}"), json={"patientId": "P100B"})
        assert taken.status_code == 422 and taken.json()["error"]["fields"][0]["code"] == "exists"
        updated = head.put(server.url(f"api/archive/patients/{found['P100']['id']}"), json={"patientName": "Zhang^San=张^三", "sex": "F"})
        assert updated.status_code == 200, updated.text
        after = stored(first)
        assert after.SpecificCharacterSet == "ISO_IR 192" and str(after.PatientName) == "Zhang^San=张^三" and after.PatientSex == "F"
        assert after.InstitutionName == "Müller Klinik" and after.PixelData == first.PixelData, "the rest of the object is untouched"

        # Merge the second registration into the first: both studies under P100 everywhere.
        merged = head.post(server.url(f"api/archive/patients/{found['P100B']['id']}/merge"), json={"into": found["P100"]["id"]})
        assert merged.status_code == 200 and merged.json()["studies"] == 2, merged.text
        moved = stored(second)
        assert moved.PatientID == "P100" and str(moved.PatientName) == "Zhang^San=张^三"
        qido = head.get(server.url("dicomweb/studies"), params={"PatientID": "P100"}).json()
        assert len(qido) == 2
        assert head.get(server.url("dicomweb/studies"), params={"PatientID": "P100B"}).json() == []
        out = tempfile.mkdtemp(dir=data)
        r = subprocess.run([FINDSCU, "-S", "-aec", "YUNYING", "-X", "-od", out, "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=P100",
                            "-k", "PatientName", "-k", "StudyInstanceUID", "127.0.0.1", str(server.dicom)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        answers = [pydicom.dcmread(os.path.join(out, f)) for f in os.listdir(out)]
        assert len(answers) == 2 and all("张^三" in str(a.PatientName) for a in answers)
        # The access trail names the patient.
        assert head.post(server.url(f"api/archive/patients/{found['P100']['id']}/merge"), json={"into": found["P100"]["id"]}).status_code == 400
    finally:
        server.stop()
        if not os.environ.get("KEEP"):
            shutil.rmtree(data, ignore_errors=True)
