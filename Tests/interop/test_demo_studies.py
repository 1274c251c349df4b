"""The demo data the README's start command loads: three synthetic studies dated today that the study list, the
viewer and pydicom can open, filed once."""
import datetime
import io
import os
import shutil
import subprocess
import tempfile

import pytest

from yyserver import BIN, DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")


def test_demo_studies_are_real_dicom_dated_today():
    data = tempfile.mkdtemp(prefix="yy-demo-")
    server = Server(data)
    try:
        first = subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD, "--studies"], env=server.env, capture_output=True, text=True)
        assert first.returncode == 0 and "61 images" in first.stdout, first.stdout + first.stderr
        again = subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD, "--studies"], env=server.env, capture_output=True, text=True)
        assert "already has studies" in again.stdout
        server.start()
        head = server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        today = datetime.date.today().strftime("%Y%m%d")
        studies = head.get(server.url("dicomweb/studies"), params={"StudyDate": f"{today}-", "includefield": "00081030"}).json()
        assert sorted(s["00080061"]["Value"][0] for s in studies) == ["CR", "CT", "MR"]
        ct = next(s for s in studies if s["00080061"]["Value"][0] == "CT")
        study = ct["0020000D"]["Value"][0]
        meta = head.get(server.url(f"dicomweb/studies/{study}/metadata")).json()
        assert len(meta) == 40
        series = meta[0]["0020000E"]["Value"][0]
        sop = meta[0]["00080018"]["Value"][0]
        got = head.get(server.url(f"dicomweb/studies/{study}/series/{series}/instances/{sop}"),
                       headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        ds = pydicom.dcmread(io.BytesIO(got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]))
        hu = ds.pixel_array.astype(int) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
        assert hu.min() == -1000 and hu.max() == 700, "air and bone where a chest CT has them"
        assert head.get(server.url(f"dicomweb/studies/{study}/thumbnail")).headers["Content-Type"] == "image/jpeg"
        if os.path.exists("/usr/bin/dciodvfy"):  # each demo object conforms to its IOD
            for s in studies:
                uid = s["0020000D"]["Value"][0]
                first = head.get(server.url(f"dicomweb/studies/{uid}/metadata")).json()[0]
                url = server.url(f"dicomweb/studies/{uid}/series/{first['0020000E']['Value'][0]}/instances/{first['00080018']['Value'][0]}")
                raw = head.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'}).content
                path = os.path.join(data, uid + ".dcm")
                with open(path, "wb") as f:
                    f.write(raw.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0])
                check = subprocess.run(["/usr/bin/dciodvfy", path], capture_output=True, text=True)
                assert "Error" not in check.stdout + check.stderr, check.stdout + check.stderr
    finally:
        if server.proc:
            server.stop()
        shutil.rmtree(data, ignore_errors=True)
