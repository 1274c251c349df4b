"""Interop with Orthanc (Debian): our SCU side queries and retrieves from a real PACS through the admin API
("query remote PACS", VIEW-01), Orthanc moves studies to us, and we move studies to Orthanc."""
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")

import synthetic
from netutil import free_port
from orthanc import ORTHANC, Orthanc
from test_dicom_services import ADMIN_PASSWORD, DCMTK, Server, storescu

pytestmark = pytest.mark.skipif(not os.path.exists(ORTHANC) or not os.path.exists(DCMTK["storescu"]), reason="Orthanc or DCMTK not installed")


@pytest.fixture(scope="module")
def pair():
    data = tempfile.mkdtemp(prefix="yy-orthanc-peer-")
    ours_dicom = free_port()
    orthanc = Orthanc(modalities={"YUNYING": ("YUNYING", "127.0.0.1", ours_dicom)})
    server = Server(data, f"ORTHANC@127.0.0.1:{orthanc.dicom}")
    server.dicom = ours_dicom
    server.env["YUNYING_DICOM_PORT"] = str(ours_dicom)
    orthanc.start()
    server.start()
    files = synthetic.make(pathlib.Path(data) / "studies", ct_slices=6, mr_slices=3)
    r = subprocess.run([DCMTK["storescu"], "-aet", "CT01", "-aec", "ORTHANC", "127.0.0.1", str(orthanc.dicom), *map(str, files)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    yield server, orthanc, files
    server.stop()
    orthanc.stop()
    shutil.rmtree(data, ignore_errors=True)


def test_query_and_retrieve_from_orthanc_through_the_api(pair):
    server, orthanc, files = pair
    s = server.session()
    node = next(e for e in s.get(server.url("api/dicom/application-entities")).json()["items"] if e["aeTitle"] == "ORTHANC")
    assert s.post(server.url(f"api/dicom/application-entities/{node['id']}/echo")).json()["ok"]
    # system_admin may manage nodes but not view studies: the query needs study.view
    assert s.post(server.url(f"api/dicom/application-entities/{node['id']}/query"), json={"patientId": "P0000001"}).status_code == 403


def test_query_and_retrieve_as_a_radiologist(pair):
    server, orthanc, files = pair
    env = dict(server.env)
    # The demo users exist only when demo data is loaded; load it into this server's database.
    subprocess.run([os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying")), "demo",
                    "--password", "Demo#2026pwA"], env=env, check=True, capture_output=True)
    s = server.session("attending", "Demo#2026pwA", new_password="Att#Yunying2026x")
    admin = server.session()
    node = next(e for e in admin.get(server.url("api/dicom/application-entities")).json()["items"] if e["aeTitle"] == "ORTHANC")
    empty = s.post(server.url(f"api/dicom/application-entities/{node['id']}/query"), json={})
    assert empty.status_code == 422
    found = s.post(server.url(f"api/dicom/application-entities/{node['id']}/query"), json={"patientId": "P0000001"})
    assert found.status_code == 200, found.text
    studies = found.json()["items"]
    assert len(studies) == 2 and all(st["patientId"] == "P0000001" for st in studies)
    ct = next(st for st in studies if "CT" in st["modalities"])
    assert "张" in ct["patientName"] or "Zhang" in ct["patientName"]
    outcome = s.post(server.url(f"api/dicom/application-entities/{node['id']}/retrieve"), json={"studyInstanceUID": ct["studyInstanceUID"]}).json()
    assert outcome["ok"] and outcome["completed"] == 7, outcome
    # The study is now in our archive, byte-identical pixel data.
    out = tempfile.mkdtemp()
    r = subprocess.run([DCMTK["getscu"], "-aet", "WS01", "-aec", "YUNYING", "-S", "-od", out, "-k", "QueryRetrieveLevel=STUDY",
                        "-k", f"StudyInstanceUID={ct['studyInstanceUID']}", "127.0.0.1", str(server.dicom)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = {pydicom.dcmread(f).SOPInstanceUID: pydicom.dcmread(f) for f in pathlib.Path(out).iterdir()}
    sent = {pydicom.dcmread(f).SOPInstanceUID: pydicom.dcmread(f) for f in files if pydicom.dcmread(f, stop_before_pixels=True).StudyInstanceUID == ct["studyInstanceUID"]}
    assert set(got) == set(sent)
    assert all(got[uid].PixelData == sent[uid].PixelData for uid in sent)
    shutil.rmtree(out, ignore_errors=True)
    activity = admin.get(server.url("api/dicom/activity?ae=ORTHANC")).json()["items"]
    assert {"C-FIND", "C-MOVE"} <= {a["operation"] for a in activity if a["direction"] == "out"}


def test_orthanc_moves_from_us(pair):
    """Orthanc as SCU: C-FIND and C-MOVE against Yunying through Orthanc's REST API."""
    server, orthanc, files = pair
    api = f"http://127.0.0.1:{orthanc.http}"
    found = requests.post(f"{api}/modalities/YUNYING/query", json={"Level": "Study", "Query": {"PatientID": "P0000001", "StudyInstanceUID": ""}})
    assert found.status_code == 200, found.text
    answers = requests.get(f"{api}{found.json()['Path']}/answers?expand").json()
    uids = {a["0020,000d"]["Value"] for a in answers}
    assert len(uids) >= 1
