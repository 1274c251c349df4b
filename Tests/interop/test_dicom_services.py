"""Interop: Yunying's DICOM services against real peers over loopback.

DCMTK (storescu with every proposal, findscu at every level of both roots and the worklist, movescu to a storescp
the test starts, getscu) and pynetdicom (as SCU for store/find/move/get/MPPS/storage commitment, and as SCP for our
SCU side: C-ECHO from the admin API, MOVE sub-operations with transcoding, storage commitment reports).
The killed-server test sends objects, SIGKILLs the server, restarts it, and checks every acknowledged object.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import synthetic
from netutil import free_port, wait_port
from yyserver import ADMIN_PASSWORD, BIN, DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
pynetdicom = pytest.importorskip("pynetdicom")
requests = pytest.importorskip("requests")

DICOMTOOL = str(pathlib.Path(BIN).with_name("dicomtool"))
DCMTK = {name: f"/usr/bin/{name}" for name in ["storescu", "storescp", "findscu", "movescu", "getscu", "echoscu", "dcmcjpeg", "dcmcjpls", "dcmcrle"]}

pytestmark = pytest.mark.skipif(not all(os.path.exists(p) for p in DCMTK.values()), reason="DCMTK not installed")


@pytest.fixture(scope="module")
def dataset():
    out = pathlib.Path(tempfile.mkdtemp(prefix="yy-ds-"))
    files = synthetic.make(out / "plain", ct_slices=12, mr_slices=4)
    ct = [f for f in files if pydicom.dcmread(f, stop_before_pixels=True).Modality == "CT"]
    rgb = next(f for f in files if pydicom.dcmread(f, stop_before_pixels=True).get("SamplesPerPixel", 1) == 3)
    comp = out / "compressed"
    comp.mkdir()
    # One object per compressed syntax, made by DCMTK and by our own toolkit (JPEG 2000).
    made = {
        "jpeg-lossless": ([DCMTK["dcmcjpeg"], "+e1", str(ct[0]), str(comp / "sv1.dcm")], "-xs", comp / "sv1.dcm"),
        "jpeg-baseline": ([DCMTK["dcmcjpeg"], "+eb", str(rgb), str(comp / "baseline.dcm")], "-xy", comp / "baseline.dcm"),
        "jpeg-ls": ([DCMTK["dcmcjpls"], str(ct[1]), str(comp / "jls.dcm")], "-xt", comp / "jls.dcm"),
        "rle": ([DCMTK["dcmcrle"], str(ct[2]), str(comp / "rle.dcm")], "-xr", comp / "rle.dcm"),
        "j2k": ([DICOMTOOL, "transcode", "--to", "j2k", str(ct[3]), str(comp / "j2k.dcm")], "-xv", comp / "j2k.dcm"),
    }
    for name, (cmd, _, path) in made.items():
        subprocess.run(cmd, check=True, capture_output=True)
        ds = pydicom.dcmread(path)  # a new identity, so the archive files it as a new object
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
        ds.save_as(path)
    compressed = {k: (flag, path) for k, (_, flag, path) in made.items()}
    compressed["mpeg4-bd"] = ("-xl", video(comp / "video.dcm", ct[0]))
    yield {"root": out, "files": files, "ct": ct, "compressed": compressed}
    shutil.rmtree(out, ignore_errors=True)


def video(path, template):
    """An ultrasound cine in MPEG-4 AVC BD (in the CT's study): the archive keeps video syntaxes as received."""
    from pydicom.encaps import encapsulate
    ds = pydicom.dcmread(template, stop_before_pixels=True)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.Modality = "US"
    ds.SeriesInstanceUID = pydicom.uid.generate_uid()
    ds.Rows, ds.Columns, ds.NumberOfFrames = 64, 64, 10
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "YBR_PARTIAL_420", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    for keyword in ("RescaleIntercept", "RescaleSlope", "WindowCenter", "WindowWidth"):
        if keyword in ds:
            delattr(ds, keyword)
    ds.PixelData = encapsulate([bytes([0, 0, 0, 1, 0x67]) + bytes(range(256)) * 8])
    ds["PixelData"].VR = "OB"
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.103"
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture(scope="module")
def peers():
    return {"DEST": free_port(), "PYSCP": free_port(), "SCU1": free_port()}


@pytest.fixture(scope="module")
def server(peers):
    data = tempfile.mkdtemp(prefix="yy-dicom-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_BCRYPT_COST="4", YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD)
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    peer_list = ",".join(f"{ae}@127.0.0.1:{port}" for ae, port in peers.items())
    s = Server(data, peer_list).start()
    yield s
    s.stop()
    shutil.rmtree(data, ignore_errors=True)


def storescu(server, files, *flags, aet="CT01"):
    return subprocess.run([DCMTK["storescu"], "-aet", aet, "-aec", "YUNYING", *flags, "127.0.0.1", str(server.dicom), *map(str, files)],
                          capture_output=True, text=True)


def findscu(server, model, keys, extra=()):
    out = tempfile.mkdtemp(prefix="yy-find-")
    args = [DCMTK["findscu"], "-aet", "WS01", "-aec", "YUNYING", model, "-X", "-od", out, *extra]
    for k in keys:
        args += ["-k", k]
    r = subprocess.run(args + ["127.0.0.1", str(server.dicom)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    found = [pydicom.dcmread(f) for f in sorted(pathlib.Path(out).glob("rsp*.dcm"))]
    shutil.rmtree(out, ignore_errors=True)
    return found


@pytest.fixture(scope="module")
def stored(server, dataset):
    r = storescu(server, dataset["files"], "+sd")
    assert r.returncode == 0, r.stderr
    return dataset


def test_storescu_every_uncompressed_proposal(server, dataset, stored):
    for flags in ([], ["-xi"], ["-xe"], ["-xb"], ["-xd"]):
        r = storescu(server, dataset["ct"][:2], *flags, "-v")
        assert r.returncode == 0 and r.stderr.count("Received Store Response (Success)") == 2, (flags, r.stderr)


def test_compressed_objects_are_kept_as_sent(server, dataset, tmp_path):
    for name, (flag, path) in dataset["compressed"].items():
        r = storescu(server, [path], flag, "-v")
        assert "Received Store Response (Success)" in r.stderr, (name, r.stderr)
        original = pydicom.dcmread(path)
        out = tmp_path / name
        out.mkdir()
        g = subprocess.run([DCMTK["getscu"], "-aet", "WS01", "-aec", "YUNYING", "-S", "-od", str(out), "-k", "QueryRetrieveLevel=IMAGE",
                            "-k", f"StudyInstanceUID={original.StudyInstanceUID}", "-k", f"SeriesInstanceUID={original.SeriesInstanceUID}",
                            "-k", f"SOPInstanceUID={original.SOPInstanceUID}", "+" + flag[1:], "127.0.0.1", str(server.dicom)],
                           capture_output=True, text=True)
        got = list(out.iterdir())
        assert len(got) == 1, (name, g.stderr)
        back = pydicom.dcmread(got[0])
        assert back.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID, name
        assert back.PixelData == original.PixelData, f"{name}: compressed pixel data must come back byte for byte"


def test_findscu_every_level_both_roots(server, stored):
    ct = pydicom.dcmread(stored["ct"][0], stop_before_pixels=True)
    # Patient root, PATIENT level, Chinese wildcard
    patients = findscu(server, "-P", ["QueryRetrieveLevel=PATIENT", "PatientName=张*", "PatientID", "NumberOfPatientRelatedStudies"])
    assert [p.PatientID for p in patients] == [ct.PatientID]
    assert int(patients[0].NumberOfPatientRelatedStudies) == 2
    assert "张" in str(patients[0].PatientName)
    assert findscu(server, "-P", ["QueryRetrieveLevel=PATIENT", "PatientName=李*"]) == []
    # Patient root, STUDY level under the patient; date range
    studies = findscu(server, "-P", ["QueryRetrieveLevel=STUDY", f"PatientID={ct.PatientID}", f"StudyDate={ct.StudyDate}-",
                                     "StudyInstanceUID", "ModalitiesInStudy", "StudyDescription"])
    assert ct.StudyInstanceUID in [s.StudyInstanceUID for s in studies]
    assert all(s.StudyDate >= ct.StudyDate for s in findscu(server, "-S", ["QueryRetrieveLevel=STUDY", f"StudyDate={ct.StudyDate}-"]))
    assert findscu(server, "-S", ["QueryRetrieveLevel=STUDY", "StudyDate=19000101-19001231"]) == []
    # Study root SERIES level with modality, IMAGE level with a UID list
    series = findscu(server, "-S", ["QueryRetrieveLevel=SERIES", f"StudyInstanceUID={ct.StudyInstanceUID}", "Modality=CT",
                                    "SeriesInstanceUID", "NumberOfSeriesRelatedInstances"])
    assert ct.SeriesInstanceUID in [s.SeriesInstanceUID for s in series] and all(s.Modality == "CT" for s in series)
    two = [pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in stored["ct"][:2]]
    images = findscu(server, "-S", ["QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={ct.StudyInstanceUID}",
                                    f"SeriesInstanceUID={ct.SeriesInstanceUID}", "SOPInstanceUID=" + "\\".join(two), "InstanceNumber"])
    assert sorted(i.SOPInstanceUID for i in images) == sorted(two)
    # Case-insensitive description match with a wildcard, and a non-indexed key returned from the stored object
    described = findscu(server, "-S", ["QueryRetrieveLevel=STUDY", "StudyDescription=*chest*", "PatientBirthDate", "StudyInstanceUID"])
    assert ct.StudyInstanceUID in [s.StudyInstanceUID for s in described]
    assert described[0].PatientBirthDate == ct.PatientBirthDate
    # Patient root IMAGE level
    in_series = findscu(server, "-P", ["QueryRetrieveLevel=IMAGE", f"PatientID={ct.PatientID}", f"StudyInstanceUID={ct.StudyInstanceUID}",
                                       f"SeriesInstanceUID={ct.SeriesInstanceUID}", "SOPInstanceUID"])
    ct_uids = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in stored["ct"]}
    assert ct_uids <= {i.SOPInstanceUID for i in in_series}
    assert len(in_series) == len({i.SOPInstanceUID for i in in_series}), "no duplicates"


def test_findscu_in_gb18030(server, stored):
    found = findscu(server, "-S", ["SpecificCharacterSet=GB18030", "QueryRetrieveLevel=STUDY", "PatientName=张*", "PatientName"])
    assert found and all(f.SpecificCharacterSet == "GB18030" and "张" in str(f.PatientName) for f in found)


def test_movescu_and_getscu(server, stored, peers, tmp_path):
    ct = pydicom.dcmread(stored["ct"][0], stop_before_pixels=True)
    dest = tmp_path / "dest"
    dest.mkdir()
    scp = subprocess.Popen([DCMTK["storescp"], "-aet", "DEST", "-od", str(dest), str(peers["DEST"])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(peers["DEST"])
        r = subprocess.run([DCMTK["movescu"], "-aet", "WS01", "-aec", "YUNYING", "-aem", "DEST", "-S", "-k", "QueryRetrieveLevel=SERIES",
                            "-k", f"StudyInstanceUID={ct.StudyInstanceUID}", "-k", f"SeriesInstanceUID={ct.SeriesInstanceUID}",
                            "127.0.0.1", str(server.dicom)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        moved = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in dest.iterdir()}
        assert moved >= {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in stored["ct"]}
        assert len(moved) == len(list(dest.iterdir())), "each object once"
        # storescp accepts only uncompressed syntaxes: the compressed objects in the series were decompressed for it
        assert all(pydicom.dcmread(f, stop_before_pixels=True).file_meta.TransferSyntaxUID in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
                   for f in dest.iterdir())
        unknown = subprocess.run([DCMTK["movescu"], "-aet", "WS01", "-aec", "YUNYING", "-aem", "NOBODY", "-S", "-k", "QueryRetrieveLevel=STUDY",
                                  "-k", f"StudyInstanceUID={ct.StudyInstanceUID}", "127.0.0.1", str(server.dicom)], capture_output=True, text=True)
        assert "MoveDestinationUnknown" in unknown.stdout + unknown.stderr
    finally:
        scp.terminate()
    got = tmp_path / "get"
    got.mkdir()
    r = subprocess.run([DCMTK["getscu"], "-aet", "WS01", "-aec", "YUNYING", "-S", "-od", str(got), "-k", "QueryRetrieveLevel=STUDY",
                        "-k", f"StudyInstanceUID={ct.StudyInstanceUID}", "127.0.0.1", str(server.dicom)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sent = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in stored["files"]
            if pydicom.dcmread(f, stop_before_pixels=True).StudyInstanceUID == ct.StudyInstanceUID}
    assert {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in got.iterdir()} >= sent


def test_worklist_from_the_api_to_findscu(server):
    s = server.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
    today = time.strftime("%Y%m%d")
    r = s.post(server.url("api/worklist/items"), json={
        "accessionNumber": "ACC0001", "patientId": "P9001", "patientName": "Wang^Wu=王^五", "sex": "M", "birthDate": "19800101",
        "modality": "CT", "stationAETitle": "CT01", "scheduledDate": today, "scheduledTime": "093000",
        "procedureDescription": "胸部CT平扫", "stepDescription": "胸部平扫"})
    assert r.status_code == 201, r.text
    bad = s.post(server.url("api/worklist/items"), json={"patientName": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"]
    found = findscu(server, "-W", ["PatientName=王*", "PatientID", "AccessionNumber", "RequestedProcedureDescription",
                                   "ScheduledProcedureStepSequence[0].Modality=CT", f"ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate={today}",
                                   "ScheduledProcedureStepSequence[0].ScheduledStationAETitle"])
    assert [f.AccessionNumber for f in found] == ["ACC0001"]
    assert found[0].ScheduledProcedureStepSequence[0].ScheduledStationAETitle == "CT01"
    assert findscu(server, "-W", ["PatientName=王*", "ScheduledProcedureStepSequence[0].Modality=MR"]) == []
    # MPPS from pynetdicom moves the item to IN PROGRESS, then COMPLETED; a completed step cannot change again.
    from pydicom.dataset import Dataset
    from pynetdicom.sop_class import ModalityPerformedProcedureStep
    ae = pynetdicom.AE(ae_title="CT01")
    ae.add_requested_context(ModalityPerformedProcedureStep)
    assoc = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING")
    assert assoc.is_established
    create = Dataset()
    create.PerformedProcedureStepStatus = "IN PROGRESS"
    create.Modality = "CT"
    item = Dataset()
    item.AccessionNumber = "ACC0001"
    item.StudyInstanceUID = pydicom.uid.generate_uid()
    create.ScheduledStepAttributesSequence = [item]
    uid = pydicom.uid.generate_uid()
    status, _ = assoc.send_n_create(create, ModalityPerformedProcedureStep, uid)
    assert status.Status == 0x0000
    def item_status():
        items = s.get(server.url("api/worklist/items"), params={"pageSize": 200}).json()["items"]
        return next(i for i in items if i["accessionNumber"] == "ACC0001")["status"]

    assert item_status() == "IN PROGRESS"
    done = Dataset()
    done.PerformedProcedureStepStatus = "COMPLETED"
    status, _ = assoc.send_n_set(done, ModalityPerformedProcedureStep, uid)
    assert status.Status == 0x0000
    again, _ = assoc.send_n_set(done, ModalityPerformedProcedureStep, uid)
    assert again.Status != 0x0000
    missing, _ = assoc.send_n_set(done, ModalityPerformedProcedureStep, pydicom.uid.generate_uid())
    assert missing.Status == 0x0112
    assoc.release()
    assert item_status() == "COMPLETED"
    # (The demo's registered exams, 王建国 among them, stay on the worklist.)
    assert findscu(server, "-W", ["PatientName=王*", "PatientID=P9001"]) == [], "a completed step leaves the worklist"


def test_pynetdicom_store_find_and_storage_commitment(server, stored, peers):
    from pydicom.dataset import Dataset
    from pynetdicom import evt
    from pynetdicom.sop_class import CTImageStorage, StorageCommitmentPushModel, StudyRootQueryRetrieveInformationModelFind
    reports = []

    def on_report(event):
        reports.append(event.event_information)
        return 0x0000, None

    # The SCU1 AE is registered at peers["SCU1"]: the report comes back on a new association.
    listener_ae = pynetdicom.AE(ae_title="SCU1")
    listener_ae.add_supported_context(StorageCommitmentPushModel, scp_role=True, scu_role=False)
    scp = listener_ae.start_server(("127.0.0.1", peers["SCU1"]), block=False, evt_handlers=[(evt.EVT_N_EVENT_REPORT, on_report)])
    try:
        ae = pynetdicom.AE(ae_title="SCU1")
        ae.add_requested_context(CTImageStorage)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        ae.add_requested_context(StorageCommitmentPushModel)
        assoc = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING")
        assert assoc.is_established
        ds = pydicom.dcmread(stored["ct"][0])
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        assert assoc.send_c_store(ds).Status == 0x0000
        q = Dataset()
        q.QueryRetrieveLevel = "IMAGE"
        q.StudyInstanceUID = ds.StudyInstanceUID
        q.SeriesInstanceUID = ds.SeriesInstanceUID
        q.SOPInstanceUID = ds.SOPInstanceUID
        responses = list(assoc.send_c_find(q, StudyRootQueryRetrieveInformationModelFind))
        assert [r[0].Status for r in responses] == [0xFF00, 0x0000]
        request = Dataset()
        request.TransactionUID = pydicom.uid.generate_uid()
        good = Dataset()
        good.ReferencedSOPClassUID = CTImageStorage
        good.ReferencedSOPInstanceUID = ds.SOPInstanceUID
        bad = Dataset()
        bad.ReferencedSOPClassUID = CTImageStorage
        bad.ReferencedSOPInstanceUID = pydicom.uid.generate_uid()
        request.ReferencedSOPSequence = [good, bad]
        status, _ = assoc.send_n_action(request, 1, StorageCommitmentPushModel, "1.2.840.10008.1.20.1.1")
        assert status.Status == 0x0000
        assoc.release()
        for _ in range(100):
            if reports:
                break
            time.sleep(0.1)
        assert reports, "no N-EVENT-REPORT arrived"
        report = reports[0]
        assert report.TransactionUID == request.TransactionUID
        assert [i.ReferencedSOPInstanceUID for i in report.ReferencedSOPSequence] == [ds.SOPInstanceUID]
        assert [i.ReferencedSOPInstanceUID for i in report.FailedSOPSequence] == [bad.ReferencedSOPInstanceUID]
    finally:
        scp.shutdown()


def test_move_to_a_peer_that_only_takes_uncompressed(server, dataset, peers):
    """Our SCU side: the stored JPEG-LS object is transcoded for a destination that accepts only explicit VR little endian."""
    from pynetdicom import evt
    from pynetdicom.sop_class import CTImageStorage, StudyRootQueryRetrieveInformationModelMove
    received = []

    def on_store(event):
        received.append((event.context.transfer_syntax, event.dataset))
        return 0x0000

    scp_ae = pynetdicom.AE(ae_title="PYSCP")
    scp_ae.add_supported_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
    scp = scp_ae.start_server(("127.0.0.1", peers["PYSCP"]), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    try:
        flag, path = dataset["compressed"]["jpeg-ls"]
        storescu(server, [path], flag)
        original = pydicom.dcmread(path)
        ae = pynetdicom.AE(ae_title="WS01")
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
        assoc = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING")
        q = pydicom.Dataset()
        q.QueryRetrieveLevel = "IMAGE"
        q.StudyInstanceUID = original.StudyInstanceUID
        q.SeriesInstanceUID = original.SeriesInstanceUID
        q.SOPInstanceUID = original.SOPInstanceUID
        final = list(assoc.send_c_move(q, "PYSCP", StudyRootQueryRetrieveInformationModelMove))[-1][0]
        assoc.release()
        assert final.Status == 0x0000 and final.NumberOfCompletedSuboperations == 1
        syntax, ds = received[0]
        assert syntax == "1.2.840.10008.1.2.1"
        ds.file_meta = pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = syntax
        assert (ds.pixel_array == original.pixel_array).all(), "lossless transcoding keeps every pixel"
    finally:
        scp.shutdown()


def test_c_cancel_stops_a_move(server, stored, peers, tmp_path):
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove
    ct = pydicom.dcmread(stored["ct"][0], stop_before_pixels=True)
    scp = subprocess.Popen([DCMTK["storescp"], "-aet", "DEST", "-od", str(tmp_path), str(peers["DEST"])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(peers["DEST"])
        ae = pynetdicom.AE(ae_title="WS01")
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
        assoc = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING")
        q = pydicom.Dataset()
        q.QueryRetrieveLevel = "STUDY"
        q.StudyInstanceUID = ct.StudyInstanceUID
        statuses = []
        for status, _ in assoc.send_c_move(q, "DEST", StudyRootQueryRetrieveInformationModelMove, msg_id=77):
            statuses.append(status)
            if len(statuses) == 1:
                assoc.send_c_cancel(77, query_model=StudyRootQueryRetrieveInformationModelMove)
        assoc.release()
        assert statuses[-1].Status == 0xFE00, [hex(s.Status) for s in statuses]
        assert statuses[-1].NumberOfRemainingSuboperations > 0
    finally:
        scp.terminate()


def test_admin_api_echo_activity_and_nodes(server, peers):
    from pynetdicom.sop_class import Verification
    s = server.session()
    listed = s.get(server.url("api/dicom/application-entities")).json()
    assert {e["aeTitle"] for e in listed["items"]} >= {"DEST", "PYSCP", "SCU1"}, "configured peers are filed"
    echo_ae = pynetdicom.AE(ae_title="ECHOSCP")
    echo_ae.add_supported_context(Verification)
    port = free_port()
    scp = echo_ae.start_server(("127.0.0.1", port), block=False)
    try:
        created = s.post(server.url("api/dicom/application-entities"),
                         json={"aeTitle": "ECHOSCP", "host": "127.0.0.1", "port": port, "description": "测试节点", "services": ["store", "find"]})
        assert created.status_code == 201, created.text
        node = created.json()
        ok = s.post(server.url(f"api/dicom/application-entities/{node['id']}/echo")).json()
        assert ok["ok"] and ok["status"] == 0
    finally:
        scp.shutdown()
    down = s.post(server.url(f"api/dicom/application-entities/{node['id']}/echo")).json()
    assert not down["ok"] and "无法连接" in down["message"]
    assert s.post(server.url("api/dicom/application-entities"), json={"aeTitle": "ECHOSCP", "host": "h", "port": 1}).status_code == 409
    invalid = s.post(server.url("api/dicom/application-entities"), json={"aeTitle": "BAD\\AE", "host": "", "port": 70000})
    assert invalid.status_code == 422 and {f["field"] for f in invalid.json()["error"]["fields"]} >= {"aeTitle", "host", "port"}
    assert s.put(server.url(f"api/dicom/application-entities/{node['id']}"), json={"port": port + 1}).json()["port"] == port + 1
    assert s.delete(server.url(f"api/dicom/application-entities/{node['id']}")).status_code == 204
    activity = s.get(server.url("api/dicom/activity")).json()
    assert activity["total"] > 0 and any(a["operation"] == "C-STORE" for a in activity["items"])
    failures = s.get(server.url("api/dicom/activity?failures=true")).json()["items"]
    assert any(a["statusHex"] == "0xA801" and "未知" in a["statusText"] for a in failures)
    assert "items" in s.get(server.url("api/dicom/associations")).json()
    # Anonymous and unprivileged callers are refused.
    assert requests.get(server.url("api/dicom/activity")).status_code == 401


def test_calling_ae_service_permissions(server, stored):
    s = server.session()
    created = s.post(server.url("api/dicom/application-entities"),
                     json={"aeTitle": "VIEWONLY", "host": "127.0.0.1", "port": 1, "services": ["find"]}).json()
    r = storescu(server, stored["ct"][:1], "-v", aet="VIEWONLY")
    assert "Received Store Response" in r.stderr and "Success" not in r.stderr.split("Received Store Response")[1][:80]
    assert findscu(server, "-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID"], extra=["-aet", "VIEWONLY"]) != []
    s.delete(server.url(f"api/dicom/application-entities/{created['id']}"))


def test_duplicates_policy_reject_and_killed_server_keeps_every_acknowledged_object(dataset, peers):
    data = tempfile.mkdtemp(prefix="yy-kill-")
    srv = Server(data, "", duplicates="reject").start()
    try:
        first = storescu(srv, dataset["ct"][:1], "-v")
        assert "Received Store Response (Success)" in first.stderr
        dup = storescu(srv, dataset["ct"][:1], "-v")
        assert "Success" not in dup.stderr.split("Received Store Response")[1][:80], "reject policy refuses the second copy"
        # Send many objects (fresh UIDs) and kill -9 the server in the middle.
        batch = pathlib.Path(data) / "batch"
        batch.mkdir()
        for n in range(60):
            ds = pydicom.dcmread(dataset["ct"][n % len(dataset["ct"])])
            ds.SOPInstanceUID = pydicom.uid.generate_uid()
            ds.save_as(batch / f"{n:03d}.dcm")
        proc = subprocess.Popen([DCMTK["storescu"], "-aet", "CT01", "-aec", "YUNYING", "-v", "127.0.0.1", str(srv.dicom),
                                 *sorted(map(str, batch.iterdir()))], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        acknowledged = []
        current = None
        for line in proc.stdout:
            m = re.search(r"Sending Store Request.*?(\d{3})\.dcm|Sending file: .*?(\d{3})\.dcm", line)
            if m:
                current = m.group(1) or m.group(2)
            if "Received Store Response (Success)" in line and current is not None:
                acknowledged.append(current)
                if len(acknowledged) == 15:
                    srv.proc.send_signal(signal.SIGKILL)
        proc.wait()
        srv.proc.wait()
        assert len(acknowledged) >= 15
        srv.start()
        for n in acknowledged:
            uid = pydicom.dcmread(batch / f"{n}.dcm", stop_before_pixels=True).SOPInstanceUID
            found = findscu(srv, "-S", ["QueryRetrieveLevel=IMAGE", f"SOPInstanceUID={uid}", "StudyInstanceUID", "SeriesInstanceUID"])
            assert len(found) == 1, f"acknowledged object {n} lost after SIGKILL"
        assert not list((pathlib.Path(data) / "archive/incoming").iterdir()), "half-received files are swept at start"
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


def test_dicom_tls(dataset, tmp_path):
    """DICOM TLS (PS3.15 B.1): a second port behind TLS; DCMTK verifies our certificate and stores over it."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    key, cert = tmp_path / "server.key", tmp_path / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", "/CN=localhost"], check=True, capture_output=True)
    data = tempfile.mkdtemp(prefix="yy-tls-")
    srv = Server(data, "")
    tls_port = free_port()
    srv.env.update(YUNYING_DICOM_TLS_PORT=str(tls_port), YUNYING_DICOM_TLS_CERT=str(cert), YUNYING_DICOM_TLS_KEY=str(key),
                   YUNYING_DICOM_TLS_CA=str(cert))
    srv.start()
    try:
        wait_port(tls_port)
        tls = ["+tls", str(key), str(cert), "+cf", str(cert)]
        echo = subprocess.run([DCMTK["echoscu"], "-aet", "CT01", "-aec", "YUNYING", *tls, "127.0.0.1", str(tls_port)], capture_output=True, text=True)
        assert echo.returncode == 0, echo.stderr
        store = subprocess.run([DCMTK["storescu"], "-aet", "CT01", "-aec", "YUNYING", "-v", *tls, "127.0.0.1", str(tls_port), str(dataset["ct"][0])],
                               capture_output=True, text=True)
        assert "Received Store Response (Success)" in store.stderr, store.stderr
        plain = subprocess.run([DCMTK["echoscu"], "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(tls_port)], capture_output=True, text=True)
        assert plain.returncode != 0, "a plain association is not accepted on the TLS port"
        # Our SCU side over TLS: a node marked tls (ourselves, YUNYING on the TLS port) answers the echo test and takes a C-MOVE.
        s = srv.session()
        node = s.post(srv.url("api/dicom/application-entities"),
                      json={"aeTitle": "YUNYING", "host": "127.0.0.1", "port": tls_port, "tls": True}).json()
        assert node["tls"] is True
        assert s.post(srv.url(f"api/dicom/application-entities/{node['id']}/echo")).json()["ok"]
        ds = pydicom.dcmread(dataset["ct"][0], stop_before_pixels=True)
        moved = subprocess.run([DCMTK["movescu"], "-aet", "WS01", "-aec", "YUNYING", "-aem", "YUNYING", "-S", "-k", "QueryRetrieveLevel=IMAGE",
                                "-k", f"StudyInstanceUID={ds.StudyInstanceUID}", "-k", f"SeriesInstanceUID={ds.SeriesInstanceUID}",
                                "-k", f"SOPInstanceUID={ds.SOPInstanceUID}", "127.0.0.1", str(srv.dicom)], capture_output=True, text=True)
        assert moved.returncode == 0 and "Failed" not in moved.stdout + moved.stderr, moved.stderr
        activity = s.get(srv.url("api/dicom/activity?ae=YUNYING")).json()["items"]
        assert any(a["operation"] == "C-STORE" and a["status"] == 0 for a in activity), "the sub-operation arrived over TLS"
        plain_node = s.put(srv.url(f"api/dicom/application-entities/{node['id']}"), json={"tls": False}).json()
        assert not s.post(srv.url(f"api/dicom/application-entities/{plain_node['id']}/echo")).json()["ok"], "plain to a TLS port fails"
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


def test_association_limit_and_private_sop_classes(dataset, server):
    """Associations beyond YUNYING_DICOM_MAX_ASSOCIATIONS are rejected (transient, local limit exceeded); the ones
    inside the limit store concurrently. A configured private storage SOP class is accepted; unconfigured, it is not."""
    from pynetdicom.sop_class import CTImageStorage
    private = "1.2.826.0.1.3680043.9.7777.1.1"
    data = tempfile.mkdtemp(prefix="yy-limit-")
    srv = Server(data, "")
    srv.env["YUNYING_DICOM_MAX_ASSOCIATIONS"] = "2"
    srv.env["YUNYING_DICOM_PRIVATE_SOP_CLASSES"] = private
    srv.start()
    try:
        ae = pynetdicom.AE(ae_title="CT01")
        ae.add_requested_context(CTImageStorage)
        first = ae.associate("127.0.0.1", srv.dicom, ae_title="YUNYING")
        second = ae.associate("127.0.0.1", srv.dicom, ae_title="YUNYING")
        third = ae.associate("127.0.0.1", srv.dicom, ae_title="YUNYING")
        assert first.is_established and second.is_established
        assert third.is_rejected
        for assoc, path in ((first, dataset["ct"][0]), (second, dataset["ct"][1])):
            assert assoc.send_c_store(pydicom.dcmread(path)).Status == 0x0000
        first.release()
        second.release()
        vendor = pydicom.dcmread(dataset["ct"][2])
        vendor.SOPClassUID = vendor.file_meta.MediaStorageSOPClassUID = private
        vendor.SOPInstanceUID = vendor.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
        ae.add_requested_context(private)
        again = ae.associate("127.0.0.1", srv.dicom, ae_title="YUNYING")
        assert again.is_established, "slots free up when associations end"
        assert again.send_c_store(vendor).Status == 0x0000
        again.release()
        elsewhere = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING")
        assert private in {cx.abstract_syntax for cx in elsewhere.rejected_contexts}, "not configured there"
        elsewhere.release()
    finally:
        srv.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("ending", ["abort", "drop"])
def test_peer_that_stops_mid_object_leaves_nothing(server, dataset, ending):
    """A C-STORE whose data set never completes (A-ABORT, or the TCP connection just closes) is neither indexed
    nor left on disk."""
    import struct

    def pdu(kind, body):
        return struct.pack(">BBI", kind, 0, len(body)) + body

    def item(kind, body):
        return struct.pack(">BBH", kind, 0, len(body)) + body

    def ae(title):
        return title.encode().ljust(16)

    sop_class, syntax = b"1.2.840.10008.5.1.4.1.1.2", b"1.2.840.10008.1.2.1"
    context = item(0x20, bytes([1, 0, 0, 0]) + item(0x30, sop_class) + item(0x40, syntax))
    user = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.4"))
    rq = pdu(0x01, struct.pack(">HH", 1, 0) + ae("YUNYING") + ae("BREAKER") + bytes(32) + item(0x10, b"1.2.840.10008.3.1.1.1") + context + user)
    uid = pydicom.uid.generate_uid()
    command = pydicom.Dataset()
    command.AffectedSOPClassUID = sop_class.decode()
    command.CommandField = 0x0001
    command.MessageID = 1
    command.Priority = 0
    command.CommandDataSetType = 0x0001
    command.AffectedSOPInstanceUID = uid
    from pydicom.filebase import DicomBytesIO
    buf = DicomBytesIO()
    buf.is_little_endian, buf.is_implicit_VR = True, True
    pydicom.filewriter.write_dataset(buf, command)
    body = buf.getvalue()
    group = struct.pack("<HHI", 0, 0, 4) + struct.pack("<I", len(body))
    cmd_pdv = struct.pack(">I", len(group + body) + 2) + bytes([1, 0x03]) + group + body
    half = open(dataset["ct"][0], "rb").read()[400:8400]
    data_pdv = struct.pack(">I", len(half) + 2) + bytes([1, 0x00]) + half  # not last
    with socket.create_connection(("127.0.0.1", server.dicom)) as s:
        s.sendall(rq)
        assert s.recv(1)[0] == 0x02, "association accepted"
        time.sleep(0.1)
        s.recv(65536)
        s.sendall(pdu(0x04, cmd_pdv) + pdu(0x04, data_pdv))
        time.sleep(0.3)
        if ending == "abort":
            s.sendall(pdu(0x07, bytes([0, 0, 0, 0])))
    time.sleep(0.5)
    assert findscu(server, "-S", ["QueryRetrieveLevel=IMAGE", f"SOPInstanceUID={uid}"]) == []
    incoming = pathlib.Path(server.data) / "archive" / "incoming"
    assert not list(incoming.iterdir()), f"half-received file left behind after {ending}"


def test_two_copies_of_one_object_at_once_leave_one_consistent_copy(server, dataset, tmp_path):
    """A modality and a router send the same SOP Instance UID at the same moment, in different transfer syntaxes:
    one copy is archived, and the index (syntax, size, checksum) describes exactly the file on disk."""
    import hashlib
    import sqlite3
    jls = pydicom.dcmread(dataset["compressed"]["jpeg-ls"][1])
    plain = pydicom.dcmread(dataset["ct"][1])
    uids = []
    for n in range(8):
        uid = pydicom.uid.generate_uid()
        uids.append(uid)
        for ds, name in ((jls, f"a{n}.dcm"), (plain, f"b{n}.dcm")):
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
            ds.save_as(tmp_path / name)
    procs = [subprocess.Popen([DCMTK["storescu"], "-aet", ae, "-aec", "YUNYING", flag, "127.0.0.1", str(server.dicom),
                               *[str(tmp_path / f"{prefix}{n}.dcm") for n in range(8)]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for ae, flag, prefix in (("CT01", "-xt", "a"), ("ROUTER", "-xe", "b"))]
    for p in procs:
        p.wait()
    db = sqlite3.connect(os.path.join(server.data, "yunying.sqlite"))
    for uid in uids:
        rows = db.execute("SELECT storage_path, sha256, size_bytes, transfer_syntax FROM instances WHERE sop_uid = ?", (uid,)).fetchall()
        assert len(rows) == 1, uid
        path, digest, size, syntax = rows[0]
        data = open(os.path.join(server.data, "archive", path), "rb").read()
        assert hashlib.sha256(data).hexdigest() == digest and len(data) == size
        assert pydicom.dcmread(os.path.join(server.data, "archive", path), stop_before_pixels=True).file_meta.TransferSyntaxUID == syntax
    db.close()


def test_identifiers_match_exactly_names_and_descriptions_ignore_case(server, stored):
    ct = pydicom.dcmread(stored["ct"][0], stop_before_pixels=True)
    assert findscu(server, "-S", ["QueryRetrieveLevel=STUDY", f"PatientID={ct.PatientID.lower()}"]) == [], "p0000001 is not P0000001"
    assert findscu(server, "-S", ["QueryRetrieveLevel=STUDY", f"PatientID={ct.PatientID}"]) != []
    assert findscu(server, "-S", ["QueryRetrieveLevel=STUDY", "PatientName=zhang*"]) != []


def test_extended_negotiation_relational_and_combined_date_time(server, stored):
    """pynetdicom proposes the Q/R extended negotiation bytes; we answer relational queries/retrieval, combined
    date-time matching and fuzzy names, not time zones; with combined matching a night range across two days finds
    a study at 23:30 that separate date and time matching cannot (PS3.4 C.2.2.2.5)."""
    from pydicom.dataset import Dataset
    from pynetdicom.pdu_primitives import SOPClassExtendedNegotiation
    from pynetdicom.sop_class import CTImageStorage, StudyRootQueryRetrieveInformationModelFind as FIND
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove as MOVE

    night = pydicom.dcmread(stored["ct"][0])
    night.StudyInstanceUID, night.SeriesInstanceUID = pydicom.uid.generate_uid(), pydicom.uid.generate_uid()
    night.SOPInstanceUID = pydicom.uid.generate_uid()
    night.StudyDate, night.StudyTime, night.AccessionNumber = "20251101", "233000", "NIGHT01"

    def associate(options):
        ae = pynetdicom.AE(ae_title="SCU1")
        for context in (CTImageStorage, FIND, MOVE):
            ae.add_requested_context(context)
        items = []
        for uid, info in options.items():
            item = SOPClassExtendedNegotiation()
            item.sop_class_uid, item.service_class_application_information = uid, bytes(info)
            items.append(item)
        assoc = ae.associate("127.0.0.1", server.dicom, ae_title="YUNYING", ext_neg=items or None)
        assert assoc.is_established
        return assoc

    def find_night(assoc):
        q = Dataset()
        q.QueryRetrieveLevel = "STUDY"
        q.StudyDate, q.StudyTime = "20251101-20251102", "2200-0600"
        q.AccessionNumber = "NIGHT01"
        q.StudyInstanceUID = ""
        return [r[1] for r in assoc.send_c_find(q, FIND) if r[0].Status in (0xFF00, 0xFF01)]

    plain = associate({})
    try:
        assert plain.send_c_store(night).Status == 0x0000
        assert plain.acceptor.sop_class_extended == {}
        assert find_night(plain) == [], "without combined matching the time range 2200-0600 matches nothing"
    finally:
        plain.release()

    negotiated = associate({FIND: [1, 1, 1, 1], MOVE: [1]})
    try:
        answered = {uid: list(info) for uid, info in negotiated.acceptor.sop_class_extended.items()}
        assert answered == {FIND: [1, 1, 1, 0], MOVE: [1]}
        found = find_night(negotiated)
        assert [d.StudyInstanceUID for d in found] == [night.StudyInstanceUID]
        # Relational query: a series by modality alone, no study key.
        q = Dataset()
        q.QueryRetrieveLevel = "SERIES"
        q.Modality = "CT"
        q.SeriesInstanceUID = night.SeriesInstanceUID
        series = [r[1] for r in negotiated.send_c_find(q, FIND) if r[0].Status in (0xFF00, 0xFF01)]
        assert [d.SeriesInstanceUID for d in series] == [night.SeriesInstanceUID]
    finally:
        negotiated.release()
