"""Interop: matching arrived studies to their exams (DCM-06) and automatic registration (DCM-07).

Scenarios from issue #5: with an order, without one (auto-registered for CT, review queue for MR), a wrong accession
number, an accession number that belongs to another patient, two patients with the same name, a second series
arriving later, and a person matching a study from the review queue.
"""
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import pytest

from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

STORESCU = "/usr/bin/storescu"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")
TODAY = time.strftime("%Y%m%d")


def image(folder, patient_id, name, accession, modality, study_uid=None, series_uid=None):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2" if modality == "CT" else "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.PatientID, ds.PatientName, ds.AccessionNumber, ds.Modality = patient_id, name, accession, modality
    ds.StudyDate, ds.StudyTime, ds.SeriesNumber, ds.InstanceNumber = TODAY, "101500", 1, 1
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = np.arange(64, dtype=np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = os.path.join(folder, ds.SOPInstanceUID + ".dcm")
    ds.save_as(path, enforce_file_format=True)
    return path, ds


def test_matching_scenarios():
    data = tempfile.mkdtemp(prefix="yy-match-")
    server = Server(data, YUNYING_AUTO_REGISTER="CT").demo().start()
    try:
        registrar = server.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")

        def order(accession, patient_id, name, modality):
            r = registrar.post(server.url("api/worklist/items"), json={
                "accessionNumber": accession, "patientId": patient_id, "patientName": name, "modality": modality, "scheduledDate": TODAY})
            assert r.status_code == 201, r.text
            return r.json()["id"]

        ordered = order("ACC-A", "P1", "Zhao^Yi=赵^一", "CT")
        order("ACC-C", "P3", "Sun^San=孙^三", "CT")
        order("ACC-D", "P4", "Zhou^Si=周^四", "CT")
        order("ACC-F", "P6", "Li^Si=李^四", "CT")
        seven = order("ACC-G", "P7", "Li^Si=李^四", "CT")

        made = {key: image(data, *args) for key, args in {
            "with order": ("P1", "Zhao^Yi=赵^一", "ACC-A", "CT"),
            "no order CT": ("P2", "Qian^Er=钱^二", "", "CT"),
            "no order MR": ("P9", "Wu^Jiu=吴^九", "", "MR"),
            "wrong accession": ("P3", "Sun^San=孙^三", "WRONG1", "CT"),
            "other patient's accession": ("P5", "Zheng^Wu=郑^五", "ACC-D", "CT"),
            "same name": ("P7", "Li^Si=李^四", "", "CT"),
        }.items()}
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "+sd", "127.0.0.1", str(server.dicom),
                            *[p for p, _ in made.values()]], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

        def row(ds):
            items = head.get(server.url("api/archive/studies"), params={"patientId": ds.PatientID}).json()["items"]
            return next((i for i in items if i["studyUID"] == ds.StudyInstanceUID), None)

        deadline = time.time() + 30
        while time.time() < deadline and any(not (row(ds) or {}).get("matchStatus") for _, ds in made.values()):
            time.sleep(0.5)
        status = {key: row(ds) for key, (_, ds) in made.items()}
        assert status["with order"]["matchStatus"] == "matched" and "ACC-A" in status["with order"]["matchReason"]
        assert status["no order CT"]["matchStatus"] == "auto-registered"
        assert status["no order MR"]["matchStatus"] == "unmatched", "MR is not on the auto-registration list"
        assert status["wrong accession"]["matchStatus"] == "matched" and "WRONG1" in status["wrong accession"]["matchReason"]
        assert status["other patient's accession"]["matchStatus"] == "conflict" and "P4" in status["other patient's accession"]["matchReason"]
        assert status["same name"]["matchStatus"] == "matched"

        items = {i["accessionNumber"]: i for i in registrar.get(server.url("api/worklist/items"), params={"pageSize": 100}).json()["items"]}
        assert items["ACC-A"]["status"] == "COMPLETED" and items["ACC-G"]["status"] == "COMPLETED"
        assert items["ACC-F"]["status"] == "SCHEDULED", "the other 李四's exam is untouched"
        assert any(i["patientId"] == "P2" for i in items.values()), "the auto-registered exam is on the list"

        # A second series an hour later changes nothing.
        _, first = made["with order"]
        path, _ = image(data, "P1", "Zhao^Yi=赵^一", "ACC-A", "CT", study_uid=first.StudyInstanceUID)
        assert subprocess.run([STORESCU, "-aec", "YUNYING", "127.0.0.1", str(server.dicom), path], capture_output=True).returncode == 0
        time.sleep(6)
        assert row(first)["matchStatus"] == "matched" and row(first)["numSeries"] == 2

        # The review queue holds the MR study and the conflict, with candidate exams; a person matches the MR study.
        queue = head.get(server.url("api/archive/match-queue")).json()
        assert queue["total"] == 2 and {i["status"] for i in queue["items"]} == {"unmatched", "conflict"}
        conflict = next(i for i in queue["items"] if i["status"] == "conflict")
        assert [c["accessionNumber"] for c in conflict["candidates"]] == ["ACC-D"]
        _, mr = made["no order MR"]
        mr_exam = order("ACC-M", "P9", "Wu^Jiu=吴^九", "MR")
        missing = head.post(server.url(f"api/archive/studies/{mr.StudyInstanceUID}/match"), json={})
        assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "examId"
        taken = head.post(server.url(f"api/archive/studies/{mr.StudyInstanceUID}/match"), json={"examId": seven})
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "exam_taken"
        ok = head.post(server.url(f"api/archive/studies/{mr.StudyInstanceUID}/match"), json={"examId": mr_exam})
        assert ok.status_code == 204, ok.text
        assert row(mr)["matchStatus"] == "matched" and "人工匹配" in row(mr)["matchReason"]
        assert head.get(server.url("api/archive/match-queue")).json()["total"] == 1
        assert registrar.get(server.url("api/archive/match-queue")).status_code == 403
        assert ordered
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def test_configurable_rules_and_the_worklist_study_uid():
    """The department's own rules after the built-in ones: a county study under the county's own patient ID is
    proposed for the exam booked under the city ID by name + birth date + sex + modality + date (建议匹配, a person
    confirms); a rule set to match links directly; rules too weak to be safe are refused; the Study Instance UID the
    worklist gave the modality matches even when the accession number was left out."""
    data = tempfile.mkdtemp(prefix="yy-rules-")
    server = Server(data, YUNYING_AUTO_REGISTER="").demo().start()
    try:
        registrar = server.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")

        def order(accession, patient_id, name, modality, **extra):
            r = registrar.post(server.url("api/worklist/items"), json={
                "accessionNumber": accession, "patientId": patient_id, "patientName": name, "modality": modality,
                "scheduledDate": TODAY, **extra})
            assert r.status_code == 201, r.text
            return r.json()

        city = order("ACC-R1", "C100", "Ma^Liu=马^六", "CT", birthDate="19600304", sex="F")
        mr = order("ACC-R2", "C200", "Niu^Qi=牛^七", "MR", birthDate="19700101", sex="M")
        by_uid = order("ACC-R3", "C300", "Yang^Ba=杨^八", "CT")

        rules = server.url("api/archive/matching-rules")
        weak = head.post(rules, json={"name": "只看姓名", "keys": ["patientName", "modality"]})
        assert weak.status_code == 422 and weak.json()["error"]["fields"][0]["code"] == "too_weak"
        bad = head.post(rules, json={"name": "", "keys": ["patientId", "nonsense"], "windowDays": 99, "action": "maybe"})
        assert {f["field"] for f in bad.json()["error"]["fields"]} == {"name", "keys", "windowDays", "action"}
        review = head.post(rules, json={"name": "县医院患者（姓名+出生日期）", "action": "review",
                                        "keys": ["patientName", "birthDate", "sex", "modality", "studyDate"], "windowDays": 1})
        assert review.status_code == 201, review.text
        direct = head.post(rules, json={"name": "姓名+出生日期（MR 直接匹配）", "action": "match",
                                        "keys": ["patientName", "birthDate", "modality"]})
        assert direct.status_code == 201
        listed = head.get(rules).json()
        assert [r["name"] for r in listed["items"]] == ["县医院患者（姓名+出生日期）", "姓名+出生日期（MR 直接匹配）"]
        assert {k["key"] for k in listed["keys"]} >= {"patientId", "patientName", "birthDate", "studyDate"}
        assert registrar.get(rules).status_code == 403

        made = {}
        for key, (pid, name, birth, sex, modality, accession, uid) in {
            "county": ("XC-9", "Ma^Liu=马^六", "19600304", "F", "CT", "", None),
            # No sex in the header: the first rule compares sex and is skipped, the second decides.
            "county MR": ("XC-8", "牛^七", "19700101", "", "MR", "", None),
            "worklist uid": ("C300", "Yang^Ba=杨^八", "", "", "CT", "", by_uid["studyInstanceUID"]),
            "stranger": ("XC-7", "Ma^Liu=马^六", "19611111", "F", "CT", "", None),
        }.items():
            path, ds = image(data, pid, name, accession, modality, study_uid=uid)
            ds = pydicom.dcmread(path)
            ds.PatientBirthDate, ds.PatientSex = birth, sex
            ds.save_as(path)
            made[key] = (path, ds)
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(server.dicom), *[p for p, _ in made.values()]],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

        def row(ds):
            items = head.get(server.url("api/archive/studies"), params={"patientId": ds.PatientID}).json()["items"]
            return next((i for i in items if i["studyUID"] == ds.StudyInstanceUID), None)

        deadline = time.time() + 30
        while time.time() < deadline and any(not (row(ds) or {}).get("matchStatus") for _, ds in made.values()):
            time.sleep(0.5)
        status = {key: row(ds) for key, (_, ds) in made.items()}
        assert status["county"]["matchStatus"] == "suggested" and "ACC-R1" in status["county"]["matchReason"]
        assert "县医院患者" in status["county"]["matchReason"]
        assert status["county MR"]["matchStatus"] == "matched" and "MR 直接匹配" in status["county MR"]["matchReason"]
        assert status["worklist uid"]["matchStatus"] == "matched" and "Study Instance UID" in status["worklist uid"]["matchReason"]
        assert status["stranger"]["matchStatus"] == "unmatched", "another birth date is another person"

        queue = head.get(server.url("api/archive/match-queue")).json()
        suggested = next(i for i in queue["items"] if i["status"] == "suggested")
        assert suggested["suggestedExamId"] == city["id"] and suggested["candidates"][0]["id"] == city["id"]
        ok = head.post(server.url(f"api/archive/studies/{suggested['studyUID']}/match"), json={"examId": city["id"]})
        assert ok.status_code == 204
        assert row(made["county"][1])["matchStatus"] == "matched"

        # Rules can be switched off, edited and deleted; a change is validated like a new rule.
        rid = review.json()["id"]
        off = head.put(server.url(f"api/archive/matching-rules/{rid}"), json={"active": False, "windowDays": 3})
        assert off.status_code == 200 and off.json()["active"] is False and off.json()["windowDays"] == 3
        assert head.put(server.url(f"api/archive/matching-rules/{rid}"), json={"keys": ["sex"]}).status_code == 422
        assert head.delete(server.url(f"api/archive/matching-rules/{rid}")).status_code == 204
        assert head.delete(server.url(f"api/archive/matching-rules/{rid}")).status_code == 404
        assert mr
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
