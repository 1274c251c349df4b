"""Interop: the "study complete" signal (issue #5, item 4).

A study completes when MPPS (sent by pynetdicom as the modality would) reports it done and every series it names has
arrived with its images, without waiting; otherwise after a quiet period. An image arriving later reopens the study.
"""
import os
import shutil
import subprocess
import tempfile
import time

import pytest

import synthetic
from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
pynetdicom = pytest.importorskip("pynetdicom")
from pydicom.dataset import Dataset  # noqa: E402
from pynetdicom.sop_class import ModalityPerformedProcedureStep  # noqa: E402

STORESCU = "/usr/bin/storescu"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")


def store(server, paths):
    r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "+sd", "127.0.0.1", str(server.dicom), *map(str, paths)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def study_row(session, server, accession):
    items = session.get(server.url("api/archive/studies"), params={"accessionNumber": accession}).json()["items"]
    return items[0] if items else None


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def mpps(server, study_uid, series):
    """N-CREATE then N-SET COMPLETED with the Performed Series Sequence listing every image, as a CT console does."""
    ae = pynetdicom.AE(ae_title="CT01")
    ae.add_requested_context(ModalityPerformedProcedureStep)
    assoc = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING")
    assert assoc.is_established
    create = Dataset()
    create.PerformedProcedureStepStatus = "IN PROGRESS"
    create.Modality = "CT"
    item = Dataset()
    item.StudyInstanceUID = study_uid
    item.AccessionNumber = "CT2024001"
    create.ScheduledStepAttributesSequence = [item]
    uid = pydicom.uid.generate_uid()
    assert assoc.send_n_create(create, ModalityPerformedProcedureStep, uid)[0].Status == 0x0000
    done = Dataset()
    done.PerformedProcedureStepStatus = "COMPLETED"
    performed = []
    for series_uid, images in series.items():
        s = Dataset()
        s.SeriesInstanceUID = series_uid
        refs = []
        for sop_class, sop in images:
            r = Dataset()
            r.ReferencedSOPClassUID, r.ReferencedSOPInstanceUID = sop_class, sop
            refs.append(r)
        s.ReferencedImageSequence = refs
        performed.append(s)
    done.PerformedSeriesSequence = performed
    assert assoc.send_n_set(done, ModalityPerformedProcedureStep, uid)[0].Status == 0x0000
    assoc.release()


def test_mpps_completes_at_once_quiet_period_otherwise_and_late_images_reopen():
    data = tempfile.mkdtemp(prefix="yy-complete-")
    server = Server(data, YUNYING_STUDY_QUIET_SECONDS="600").demo().start()
    try:
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        files = synthetic.make(os.path.join(data, "in"), ct_slices=4, mr_slices=2)
        headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
        ct = [h for h in headers if h.StudyInstanceUID == headers[0].StudyInstanceUID]
        series = {}
        for h in ct:
            series.setdefault(h.SeriesInstanceUID, []).append((h.SOPClassUID, h.SOPInstanceUID))
        # MPPS first names every image; the study is incomplete until the last one arrives, then complete at once.
        mpps(server, ct[0].StudyInstanceUID, series)
        store(server, [f for f, h in zip(files, headers) if h in ct][:-1])
        time.sleep(3)
        row = study_row(head, server, ct[0].AccessionNumber)
        assert row.get("completedAt") is None, "one image is still missing"
        check = head.get(server.url(f"api/archive/studies/{ct[0].StudyInstanceUID}/completeness")).json()
        assert check["state"] == "receiving" and ("尚未收到" in check["reason"] or "应有" in check["reason"]), check
        store(server, [f for f, h in zip(files, headers) if h in ct][-1:])
        row = wait_for(lambda: (r := study_row(head, server, ct[0].AccessionNumber)) and r.get("completedAt") and r, 20, "MPPS completion")
        assert "MPPS" in row["completion"]
        # The MR study has no MPPS and the quiet period is ten minutes: not complete.
        mr = next(h for h in headers if h.Modality == "MR")
        store(server, [f for f, h in zip(files, headers) if h.Modality == "MR"])
        time.sleep(3)
        assert study_row(head, server, mr.AccessionNumber).get("completedAt") is None
    finally:
        server.stop()

    # A short quiet period: the MR study completes by silence; a late image reopens it, and it completes again.
    server = Server(data, YUNYING_STUDY_QUIET_SECONDS="2").start()
    try:
        head = server.session("head", "Rad#Yunying2026x")
        row = wait_for(lambda: (r := study_row(head, server, mr.AccessionNumber)) and r.get("completedAt") and r, 20, "quiet completion")
        assert "静默" in row["completion"]
        late = pydicom.dcmread(next(f for f, h in zip(files, headers) if h.Modality == "MR"))
        late.SOPInstanceUID = late.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
        late.InstanceNumber = 99
        path = os.path.join(data, "late.dcm")
        late.save_as(path)
        store(server, [path])
        assert study_row(head, server, mr.AccessionNumber).get("completedAt") is None, "a late image reopens the study"
        wait_for(lambda: (r := study_row(head, server, mr.AccessionNumber)) and r.get("completedAt"), 20, "completion after the late image")
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def test_events_long_poll_arrived_then_complete():
    """Integrations learn what happened from /api/archive/events: a long poll that is waiting when the first image
    arrives answers at once with study.arrived (one per study, not per image), then study.complete after the quiet
    period; the cursor (`last`) continues where the previous answer ended."""
    import threading
    data = tempfile.mkdtemp(prefix="yy-events-")
    server = Server(data, YUNYING_STUDY_QUIET_SECONDS="3").demo().start()
    try:
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        events = server.url("api/archive/events")
        assert head.get(events, params={"kind": "study.deleted"}).status_code == 422
        registrar = server.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
        assert registrar.get(events).status_code == 403
        start = head.get(events).json()
        assert start["items"] == []
        answer = {}

        def poll():
            t0 = time.time()
            answer["body"] = head.get(events, params={"after": start["last"], "wait": 30}).json()
            answer["seconds"] = time.time() - t0

        waiting = threading.Thread(target=poll)
        waiting.start()
        time.sleep(1)
        files = synthetic.make(os.path.join(data, "in"), ct_slices=3, mr_slices=0)
        headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
        store(server, files)
        waiting.join(timeout=40)
        assert answer["seconds"] < 15, "the poll answers when the study arrives, not at its timeout"
        arrived = [e for e in answer["body"]["items"] if e["kind"] == "study.arrived"]
        studies = {h.StudyInstanceUID for h in headers}
        assert {e["studyUID"] for e in arrived} <= studies and arrived[0]["patientId"] == headers[0].PatientID
        got = list(answer["body"]["items"])
        cursor = answer["body"]["last"]
        deadline = time.time() + 30
        while {e["studyUID"] for e in got if e["kind"] == "study.complete"} != studies and time.time() < deadline:
            page = head.get(events, params={"after": cursor, "wait": 10}).json()
            got += page["items"]
            cursor = page["last"]
        assert sorted(e["studyUID"] for e in got if e["kind"] == "study.arrived") == sorted(studies), "one arrival per study"
        complete = [e for e in got if e["kind"] == "study.complete"]
        assert {e["studyUID"] for e in complete} == studies and "静默" in complete[0]["detail"]
        assert [e["id"] for e in got] == sorted(e["id"] for e in got)
        only = head.get(events, params={"kind": "study.complete"}).json()["items"]
        assert {e["kind"] for e in only} == {"study.complete"}
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
