"""Interop: registration and booking (issue #7) through the HTTP API, on SQLite and PostgreSQL.

- 100 clients race for the 5 units of one slot: exactly 5 bookings succeed, the rest get 409, the slot shows 5 used;
  a retried request with the same idempotency key answers with the first booking.
- Orders from the HIS are idempotent on its own order ID; bad orders get field errors.
- Registration (check-in) makes the exam number by the department rule and puts the exam on the modality worklist:
  DCMTK `findscu -W` sees it with that accession number, Study Instance UID and station AE; images carrying them
  are matched to the exam automatically.
- The demo made a living calendar: queues, slots for today, booked and registered appointments.
"""
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import time

import numpy as np
import pytest

from netutil import free_port
from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

FINDSCU, STORESCU = "/usr/bin/findscu", "/usr/bin/storescu"
ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not os.path.exists(FINDSCU), reason="DCMTK not installed")


@pytest.fixture(params=["sqlite", "postgres"], scope="module")
def server(request):
    data = tempfile.mkdtemp(prefix="yy-sched-")
    env = {}
    cluster = None
    if request.param == "postgres":
        if not any(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            pytest.skip("PostgreSQL not installed")
        cluster = tempfile.mkdtemp(prefix="yy-sched-pg-")
        os.chmod(cluster, 0o755)  # the cluster runs as the postgres user
        url = subprocess.run(["bash", str(ROOT / "scripts/pg-test-cluster.sh"), "start", cluster, str(free_port())],
                             capture_output=True, text=True, check=True).stdout.strip()
        env["YUNYING_DATABASE_URL"] = url
    srv = Server(data, YUNYING_AUTO_REGISTER="", **env).demo().start()
    try:
        srv.registrar = srv.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
        srv.head = srv.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        srv.resident = srv.session("resident", DEMO_PASSWORD, new_password="Res#Yunying2026x")
        yield srv
    finally:
        srv.stop()
        if cluster:
            subprocess.run(["bash", str(ROOT / "scripts/pg-test-cluster.sh"), "stop", cluster], capture_output=True)
            shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


def order(srv, patient_id, name, modality="CT", external=None, **extra):
    body = {"patient": {"patientId": patient_id, "name": name, "sex": "M", "birthDate": "19700101"}, "source": "outpatient",
            "channel": "his", "requestingDoctor": "郑丽", "items": [{"itemCode": "CT-CHEST", "itemName": "胸部CT平扫", "modality": modality}], **extra}
    if external:
        body["externalId"] = external
    r = srv.registrar.post(srv.url("api/scheduling/orders"), json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def tomorrow_slot(srv, queue_code, capacity):
    """A queue of its own with one date template tomorrow (hospital time) of `capacity` units."""
    queue = srv.head.post(srv.url("api/scheduling/queues"), json={"code": queue_code, "name": "竞争测试", "modality": "CT", "department": "RAD",
                                                                   "stationAETitle": "CT09"})
    assert queue.status_code == 201, queue.text
    qid = queue.json()["id"]
    today = srv.registrar.get(srv.url(f"api/scheduling/queues/{qid}/slots")).json()
    assert today["items"] == []
    # The server's "today" in Asia/Shanghai: ask the demo CT queue, which has slots from today on.
    ct1 = next(q for q in srv.registrar.get(srv.url("api/scheduling/queues")).json()["items"] if q["code"] == "CT1")
    day = srv.registrar.get(srv.url(f"api/scheduling/queues/{ct1['id']}/slots")).json()["items"][0]["slot"]["date"]
    y, m, d = map(int, day.split("-"))
    import datetime
    tomorrow = (datetime.date(y, m, d) + datetime.timedelta(days=1)).isoformat()
    t = srv.head.post(srv.url(f"api/scheduling/queues/{qid}/templates"), json={
        "kind": "date", "onDate": tomorrow, "startTime": "09:00", "endTime": "09:30", "capacity": capacity})
    assert t.status_code == 201, t.text
    made = srv.head.post(srv.url(f"api/scheduling/queues/{qid}/generate"), json={"from": day, "days": 3})
    assert made.status_code == 200 and made.json()["made"] == 1, made.text
    slot = srv.registrar.get(srv.url(f"api/scheduling/queues/{qid}/slots"), params={"from": tomorrow, "to": tomorrow}).json()["items"][0]["slot"]
    return qid, slot, tomorrow


def test_hundred_clients_race_for_five_units(server):
    qid, slot, _ = tomorrow_slot(server, "RACE", 5)
    items = [order(server, f"R{n:03d}", f"Race^{n}")["items"][0]["id"] for n in range(100)]
    results = [None] * len(items)
    start = threading.Barrier(len(items))
    cookies = server.registrar.cookies.get_dict()
    headers = {"X-CSRF-Token": server.registrar.headers["X-CSRF-Token"]}

    def book(i):
        s = requests.Session()
        s.cookies.update(cookies)
        s.headers.update(headers)
        start.wait()
        r = s.post(server.url("api/scheduling/appointments"), json={"orderItemId": items[i], "slotId": slot["id"], "channel": "app",
                                                                    "idempotencyKey": f"race-{i}"})
        results[i] = (r.status_code, r.json())

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    codes = [c for c, _ in results]
    assert codes.count(201) == 5, codes
    assert set(codes) <= {201, 409}, [b for c, b in results if c not in (201, 409)][:3]
    assert all(b["error"]["code"] in ("slot_full", "slot_unavailable") for c, b in results if c == 409)
    after = server.registrar.get(server.url(f"api/scheduling/queues/{qid}/slots"), params={"from": slot["date"], "to": slot["date"]}).json()
    assert after["items"][0]["slot"]["used"] == 5
    # The same request again (a retry after a lost answer) gets the same booking, not a second one.
    winner = next(i for i, (c, _) in enumerate(results) if c == 201)
    again = server.registrar.post(server.url("api/scheduling/appointments"), json={
        "orderItemId": items[winner], "slotId": slot["id"], "channel": "app", "idempotencyKey": f"race-{winner}"})
    assert again.status_code == 200 and again.json()["id"] == results[winner][1]["id"]


def test_orders_are_idempotent_and_validated(server):
    first = order(server, "H001", "Zhang^San=张^三", external="HIS-0001")
    second = order(server, "H001", "Zhang^San=张^三", external="HIS-0001")
    assert first["id"] == second["id"] and first["orderNo"].startswith("SQ")
    bad = server.registrar.post(server.url("api/scheduling/orders"), json={
        "patient": {"patientId": "", "name": "", "sex": "X", "idCard": "123"}, "source": "martian", "items": [{"units": 99}]})
    assert bad.status_code == 422
    fields = {f["field"] for f in bad.json()["error"]["fields"]}
    assert {"patient.patientId", "patient.name", "patient.sex", "patient.idCard", "source", "items[0].itemCode", "items[0].units"} <= fields
    found = server.registrar.get(server.url("api/scheduling/orders"), params={"q": "张三"}).json()
    assert any(o["id"] == first["id"] for o in found["items"])
    assert server.resident.post(server.url("api/scheduling/orders"), json={}).status_code == 403, "readers do not register"
    assert server.registrar.post(server.url("api/scheduling/queues"), json={"code": "X"}).status_code == 403, "templates need scheduling.manage"


def image(folder, accession, study_uid, patient_id, name):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, generate_uid()
    ds.PatientID, ds.PatientName, ds.AccessionNumber, ds.Modality = patient_id, name, accession, "CT"
    ds.StudyDate, ds.StudyTime, ds.SeriesNumber, ds.InstanceNumber = time.strftime("%Y%m%d"), "090500", 1, 1
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = np.arange(64, dtype=np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = os.path.join(folder, ds.SOPInstanceUID + ".dcm")
    ds.save_as(path, enforce_file_format=True)
    return path


def test_check_in_feeds_the_worklist_and_images_match(server, tmp_path):
    qid, slot, tomorrow = tomorrow_slot(server, "WL", 2)
    made = order(server, "W001", "Wu^Lei=吴^磊")
    item = made["items"][0]["id"]
    options = server.registrar.get(server.url(f"api/scheduling/queues/{qid}/next-available"), params={"orderItemId": item, "from": tomorrow}).json()
    assert options["items"][0]["parts"] == [{"slotId": slot["id"], "units": 1}]
    booked = server.registrar.post(server.url("api/scheduling/appointments"), json={"orderItemId": item, "parts": options["items"][0]["parts"],
                                                                                   "channel": "desk", "performingDoctor": "周明"})
    assert booked.status_code == 201, booked.text
    checked = server.registrar.post(server.url(f"api/scheduling/appointments/{booked.json()['id']}/check-in"))
    assert checked.status_code == 200, checked.text
    accession, study_uid = checked.json()["accessionNumber"], checked.json()["studyInstanceUID"]
    assert accession.startswith("CT") and len(accession) == 12, accession

    def exam_status():
        listing = server.registrar.get(server.url("api/scheduling/appointments"), params={"date": tomorrow, "queueId": qid}).json()
        return next(e for e in listing["items"] if e["appointment"]["id"] == booked.json()["id"])["examStatus"]

    assert exam_status() == "SCHEDULED"

    out = tmp_path / "wl"
    out.mkdir()
    r = subprocess.run([FINDSCU, "-W", "-aet", "CT09", "-aec", "YUNYING", "-X", "-od", str(out),
                        "-k", f"AccessionNumber={accession}", "-k", "StudyInstanceUID", "-k", "PatientName", "-k", "PatientID",
                        "-k", "ScheduledProcedureStepSequence[0].ScheduledStationAETitle",
                        "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate",
                        "-k", "ScheduledProcedureStepSequence[0].Modality", "127.0.0.1", str(server.dicom)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    found = [pydicom.dcmread(f) for f in sorted(out.glob("rsp*.dcm"))]
    assert len(found) == 1
    ds = found[0]
    assert ds.AccessionNumber == accession and ds.StudyInstanceUID == study_uid and ds.PatientID == "W001"
    step = ds.ScheduledProcedureStepSequence[0]
    assert step.ScheduledStationAETitle == "CT09" and step.Modality == "CT" and step.ScheduledProcedureStepStartDate == tomorrow.replace("-", "")

    path = image(str(tmp_path), accession, study_uid, "W001", "Wu^Lei=吴^磊")
    r = subprocess.run([STORESCU, "-aet", "CT09", "-aec", "YUNYING", "127.0.0.1", str(server.dicom), path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 30
    row = None
    while time.time() < deadline:
        items = server.head.get(server.url("api/archive/studies"), params={"patientId": "W001"}).json()["items"]
        row = next((i for i in items if i["studyUID"] == study_uid), None)
        if row and row.get("matchStatus"):
            break
        time.sleep(0.5)
    assert row and row["matchStatus"] == "matched" and "Study Instance UID" in row["matchReason"], row
    assert exam_status() == "COMPLETED", "the desk sees the exam done once its images are matched"


def test_demo_calendar_is_alive(server):
    queues = server.registrar.get(server.url("api/scheduling/queues")).json()["items"]
    assert {"CT1", "MR1", "DR1", "US1"} <= {q["code"] for q in queues}
    listing = server.registrar.get(server.url("api/scheduling/appointments"), params={"pageSize": 100}).json()
    demo = [e for e in listing["items"] if e["patientId"].startswith("DEMO")]
    assert len(demo) == 8 and {e["appointment"]["status"] for e in demo} == {"booked", "checked-in"}
    assert all(e["patientName"] and e["itemName"] for e in demo)
    stats = server.registrar.get(server.url("api/scheduling/statistics"), params={"from": "2000-01-01", "to": "2100-01-01"}).json()["items"]
    assert sum(s["bookings"] for s in stats) >= 8 and all(s["channelName"] for s in stats)
    sheet = server.registrar.get(server.url("api/scheduling/statistics/export.xlsx"), params={"from": "2000-01-01", "to": "2100-01-01"})
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK" and "spreadsheetml" in sheet.headers["Content-Type"]
    rules = server.registrar.get(server.url("api/scheduling/exam-number-rules")).json()["items"]
    assert any(r["modality"] == "CT" and r["example"].startswith("CT") for r in rules)


def test_scanned_order_forms(server):
    """A photographed paper order is kept with the order as the JPG it was (bytes identical), listed, shown, deleted;
    what is not a picture is refused."""
    import io
    PIL = pytest.importorskip("PIL.Image")
    made = order(server, "F001", "Ma^Fang=马^芳")
    picture = PIL.new("RGB", (120, 80), (230, 230, 220))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG")
    jpg = buffer.getvalue()
    url = server.url(f"api/scheduling/orders/{made['id']}/documents")
    r = server.registrar.post(url, files=[("file", ("申请单.jpg", jpg, "image/jpeg"))])
    assert r.status_code == 201, r.text
    doc = r.json()["items"][0]
    assert doc["filename"] == "申请单.jpg" and doc["contentType"] == "image/jpeg" and doc["sizeBytes"] == len(jpg)
    back = server.registrar.get(server.url(f"api/scheduling/documents/{doc['id']}"))
    assert back.status_code == 200 and back.content == jpg and back.headers["Content-Type"] == "image/jpeg"
    refused = server.registrar.post(url, files=[("file", ("notes.txt", b"not a picture", "image/jpeg"))])
    assert refused.status_code == 415
    assert [d["id"] for d in server.registrar.get(url).json()["items"]] == [doc["id"]]
    assert server.resident.get(server.url(f"api/scheduling/documents/{doc['id']}")).status_code == 403
    assert server.registrar.delete(server.url(f"api/scheduling/documents/{doc['id']}")).status_code == 204
    assert server.registrar.get(url).json()["items"] == []


def test_calendar_settings_cycles_holidays_and_rules(server):
    settings = server.registrar.get(server.url("api/scheduling/settings")).json()
    assert settings["timeZone"] == "Asia/Shanghai" and len(settings["today"]) == 10 and settings["horizonDays"] == 60
    cycles = server.head.get(server.url("api/scheduling/cycles")).json()["items"]
    summer = next(c for c in cycles if c["name"] == "夏季作息")
    assert summer["startMD"] == "05-01" and summer["templates"] > 0
    assert server.head.delete(server.url(f"api/scheduling/cycles/{summer['id']}")).status_code == 409, "in use"
    assert server.head.put(server.url("api/scheduling/holidays/2031-10-01"), json={"name": "国庆节"}).status_code == 204
    assert {"date": "2031-10-01", "name": "国庆节"} in server.head.get(server.url("api/scheduling/holidays"), params={"from": "2031-01-01"}).json()["items"]
    assert server.head.delete(server.url("api/scheduling/holidays/2031-10-01")).status_code == 204
    queues = server.head.get(server.url("api/scheduling/queues")).json()["items"]
    us = next(q for q in queues if q["code"] == "US1")
    renamed = server.head.put(server.url(f"api/scheduling/queues/{us['id']}"), json={"name": "超声 1 诊室（东院）"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "超声 1 诊室（东院）" and renamed.json()["modality"] == "US"
    rules = server.head.get(server.url("api/scheduling/exam-number-rules")).json()["items"]
    ct = next(r for r in rules if r["modality"] == "CT" and r["department"] == "RAD")
    assert ct["example"][2:8] == settings["today"][2:].replace("-", ""), "the example shows the hospital's date"
    assert server.head.delete(server.url(f"api/scheduling/exam-number-rules/{ct['id']}")).status_code == 409, "it has issued numbers"


def test_placeholder_order_is_completed_and_items_show_their_appointment(server):
    """A phone booking holds a slot on a placeholder order without a patient ID; when the patient comes the desk fills
    the patient in, and the order keeps its booking."""
    r = server.registrar.post(server.url("api/scheduling/orders"), json={
        "placeholder": True, "patient": {"name": "电话预约", "phone": "13800000000"}, "source": "external", "channel": "desk",
        "items": [{"itemCode": "CT-HEAD", "itemName": "头颅CT平扫", "modality": "CT"}]})
    assert r.status_code == 201, r.text
    placeholder = r.json()
    assert placeholder["placeholder"] and placeholder["patient"]["patientId"].startswith("TMP-")
    item = placeholder["items"][0]
    ct1 = next(q for q in server.registrar.get(server.url("api/scheduling/queues")).json()["items"] if q["code"] == "CT1")
    option = server.registrar.get(server.url(f"api/scheduling/queues/{ct1['id']}/next-available"), params={"orderItemId": item["id"]}).json()["items"][0]
    booked = server.registrar.post(server.url("api/scheduling/appointments"), json={"orderItemId": item["id"], "parts": option["parts"], "channel": "desk"})
    assert booked.status_code == 201, booked.text
    missing = server.registrar.post(server.url(f"api/scheduling/orders/{placeholder['id']}/complete"), json={"name": "张三"})
    assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "patient.patientId"
    done = server.registrar.post(server.url(f"api/scheduling/orders/{placeholder['id']}/complete"),
                                 json={"patientId": "PH0001", "name": "Zhang^San=张^三", "sex": "M", "birthDate": "19800101"})
    assert done.status_code == 200, done.text
    order = done.json()
    assert not order["placeholder"] and order["patient"]["patientId"] == "PH0001" and order["patient"]["phone"] == "13800000000"
    assert order["items"][0]["appointmentId"] == booked.json()["id"] and order["items"][0]["status"] == "booked"
    mine = server.registrar.get(server.url("api/scheduling/appointments"), params={"orderItemId": item["id"]}).json()["items"]
    assert [e["appointment"]["id"] for e in mine] == [booked.json()["id"]] and mine[0]["patientId"] == "PH0001"
    again = server.registrar.post(server.url(f"api/scheduling/orders/{placeholder['id']}/complete"), json={"patientId": "PH0002", "name": "李四"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_placeholder"

