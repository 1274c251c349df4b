"""Interop: DICOMweb (QIDO-RS, WADO-RS, STOW-RS) driven by dicomweb-client and plain HTTP, checked with pydicom.

Objects arrive both ways (DCMTK storescu and STOW-RS); what comes back must be byte-identical (or correctly
transcoded when asked), search must match like C-FIND (Chinese names across groups, fuzzy), and every route keeps
to the caller's permissions and institution scope.
"""
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import tempfile

import pytest

import synthetic
from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
dicomweb_client = pytest.importorskip("dicomweb_client")
from dicomweb_client.api import DICOMwebClient  # noqa: E402

STORESCU = "/usr/bin/storescu"
DCMCJPLS = "/usr/bin/dcmcjpls"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-web-")
    s = Server(data).demo().start()
    yield s
    s.stop()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def reader(server):
    """The department head: study.view and archive.manage, scoped to the city hospital."""
    return server.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")


@pytest.fixture(scope="module")
def client(server, reader):
    return DICOMwebClient(url=server.url("dicomweb"), session=reader)


@pytest.fixture(scope="module")
def dataset(server):
    out = tempfile.mkdtemp(prefix="yy-webds-")
    files = synthetic.make(os.path.join(out, "plain"), ct_slices=6, mr_slices=3)
    ct = [f for f in files if pydicom.dcmread(f, stop_before_pixels=True).Modality == "CT"]
    jls = os.path.join(out, "jls.dcm")
    subprocess.run([DCMCJPLS, str(ct[0]), jls], check=True, capture_output=True)
    ds = pydicom.dcmread(jls)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(jls)
    for flags, paths in ((["+sd"], files), (["-xt"], [jls])):
        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", *flags, "127.0.0.1", str(server.dicom), *map(str, paths)],
                           capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
        assert r.returncode == 0, r.stderr
    first = pydicom.dcmread(ct[0], stop_before_pixels=True)
    yield {"files": files, "ct": ct, "jls": jls, "study": first.StudyInstanceUID, "series": first.SeriesInstanceUID}
    shutil.rmtree(out, ignore_errors=True)


def dataset_bytes(path_or_bytes):
    """The data set after the file meta group: what an archive must keep exactly (the meta header is its own)."""
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    ds = pydicom.dcmread(io.BytesIO(raw), stop_before_pixels=False)
    meta_end = 132 + 12 + ds.file_meta.FileMetaInformationGroupLength
    return raw[meta_end:]


def test_qido_studies_series_instances(client, dataset):
    studies = client.search_for_studies(search_filters={"PatientName": "张*", "ModalitiesInStudy": "CT"})
    assert [s["0020000D"]["Value"][0] for s in studies] == [dataset["study"]]
    assert len(client.search_for_studies(search_filters={"PatientName": "张*"})) == 2, "the CT and the MR study"
    study = studies[0]
    assert study["00100010"]["Value"][0]["Alphabetic"] == "Zhang^San"
    assert study["00100010"]["Value"][0]["Ideographic"] == "张^三"
    assert study["00201208"]["Value"][0] >= 7
    assert study["00081190"]["Value"][0].endswith("/dicomweb/studies/" + dataset["study"])
    series = client.search_for_series(dataset["study"])
    assert {s["00080060"]["Value"][0] for s in series} >= {"CT"}
    instances = client.search_for_instances(dataset["study"], dataset["series"])
    assert len(instances) >= 6
    one = instances[0]
    assert one["00280010"]["Value"] == [256] and one["00280011"]["Value"] == [256] and one["00280100"]["Value"] == [16]
    numbers = [i["00200013"]["Value"][0] for i in instances]
    assert numbers == sorted(numbers), "instances come in instance-number order"


def test_qido_matching_paging_and_errors(server, reader, client, dataset):
    assert client.search_for_studies(search_filters={"PatientName": "zhang*"}), "names match without regard to case"
    assert client.search_for_studies(search_filters={"PatientName": "三"}) == []
    assert client.search_for_studies(search_filters={"PatientName": "三"}, fuzzymatching=True), "fuzzy finds part of a name"
    assert client.search_for_studies(search_filters={"StudyDate": "20241201-20241231"})
    assert client.search_for_studies(search_filters={"StudyDate": "20260101-"}) == []
    assert client.search_for_studies(search_filters={"ModalitiesInStudy": "CT"})
    assert client.search_for_studies(search_filters={"AccessionNumber": "ct2024001"}) == [], "identifiers match exactly"
    page = reader.get(server.url(f"dicomweb/studies/{dataset['study']}/instances"), params={"limit": 2, "offset": 1})
    assert page.status_code == 200 and len(page.json()) == 2 and int(page.headers["X-Total-Count"]) >= 7
    every = reader.get(server.url("dicomweb/studies"), params={"includefield": "all"}).json()[0]
    assert every["00080080"]["Value"] == ["云影市第一人民医院"]
    for params in ({"limit": "x"}, {"NoSuchAttribute": "1"}, {"fuzzymatching": "maybe"}):
        r = reader.get(server.url("dicomweb/studies"), params=params)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_query", r.text


def test_wado_instances_come_back_byte_for_byte(client, dataset):
    ct = pydicom.dcmread(dataset["ct"][0], stop_before_pixels=True)
    got = client.retrieve_instance(dataset["study"], dataset["series"], ct.SOPInstanceUID)
    buffer = io.BytesIO()
    got.save_as(buffer, enforce_file_format=True)
    original = pydicom.dcmread(dataset["ct"][0])
    assert got.PixelData == original.PixelData and got.PatientName == original.PatientName
    # The raw multipart body: the stored data set exactly as storescu sent it.
    series = client.retrieve_series(dataset["study"], dataset["series"])
    assert len(series) >= 6
    jls = pydicom.dcmread(dataset["jls"], stop_before_pixels=True)
    kept = client.retrieve_instance(jls.StudyInstanceUID, jls.SeriesInstanceUID, jls.SOPInstanceUID)
    assert kept.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.80", "as stored when the client takes any syntax"
    assert kept.PixelData == pydicom.dcmread(dataset["jls"]).PixelData


def test_wado_transcodes_when_asked(server, reader, dataset):
    jls = pydicom.dcmread(dataset["jls"], stop_before_pixels=True)
    url = server.url(f"dicomweb/studies/{jls.StudyInstanceUID}/series/{jls.SeriesInstanceUID}/instances/{jls.SOPInstanceUID}")
    r = reader.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1'})
    assert r.status_code == 200, r.text
    part = r.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]
    ds = pydicom.dcmread(io.BytesIO(part))
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    source = pydicom.dcmread(dataset["ct"][0])  # the JPEG-LS copy was made from this slice, losslessly
    assert ds.PixelData == source.PixelData
    bad = reader.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=1.2.3.4'})
    assert bad.status_code == 406 and bad.json()["error"]["code"] == "not_acceptable"


def test_metadata_is_cached_and_follows_new_instances(server, reader, client, dataset):
    meta = client.retrieve_series_metadata(dataset["study"], dataset["series"])
    assert len(meta) >= 6
    first = meta[0]
    assert "BulkDataURI" in first["7FE00010"], "pixel data is never inlined"
    assert first["00100010"]["Value"][0]["Ideographic"] == "张^三"
    again = reader.get(server.url(f"dicomweb/studies/{dataset['study']}/series/{dataset['series']}/metadata"),
                       headers={"Accept-Encoding": "gzip"})
    assert again.headers.get("Content-Encoding") == "gzip" and len(again.json()) == len(meta)
    # A new slice of the series must appear in the metadata (the cache notices).
    extra = pydicom.dcmread(dataset["ct"][1])
    extra.SOPInstanceUID = extra.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    extra.InstanceNumber = 99
    client.store_instances([extra])
    after = client.retrieve_series_metadata(dataset["study"], dataset["series"])
    assert len(after) == len(meta) + 1
    study = client.retrieve_study_metadata(dataset["study"])
    assert len(study) > len(after)


def test_frames_native_compressed_and_gzip(server, reader, client, dataset):
    ct = pydicom.dcmread(dataset["ct"][2])
    frames = client.retrieve_instance_frames(dataset["study"], dataset["series"], ct.SOPInstanceUID, frame_numbers=[1])
    assert frames[0] == ct.PixelData
    url = server.url(f"dicomweb/studies/{dataset['study']}/series/{dataset['series']}/instances/{ct.SOPInstanceUID}/frames/1")
    zipped = reader.get(url, headers={"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*',
                                      "Accept-Encoding": "gzip"}, stream=True)
    assert zipped.headers["Content-Encoding"] == "gzip"
    raw = gzip.decompress(zipped.raw.read())
    assert ct.PixelData in raw
    jls = pydicom.dcmread(dataset["jls"])
    compressed = client.retrieve_instance_frames(jls.StudyInstanceUID, jls.SeriesInstanceUID, jls.SOPInstanceUID, frame_numbers=[1],
                                                 media_types=(("image/jls", "1.2.840.10008.1.2.4.80"),))
    assert compressed[0][:2] == b"\xff\xd8", "a JPEG-LS codestream, as stored"
    native = client.retrieve_instance_frames(jls.StudyInstanceUID, jls.SeriesInstanceUID, jls.SOPInstanceUID, frame_numbers=[1],
                                             media_types=(("application/octet-stream", "1.2.840.10008.1.2.1"),))
    assert native[0] == pydicom.dcmread(dataset["ct"][0]).PixelData, "decoded on the server, lossless"
    assert reader.get(url.replace("/frames/1", "/frames/2")).status_code == 404
    assert reader.get(url.replace("/frames/1", "/frames/0")).status_code == 400


def test_rendered_and_thumbnails(server, reader, dataset):
    ct = pydicom.dcmread(dataset["ct"][0], stop_before_pixels=True)
    base = server.url(f"dicomweb/studies/{dataset['study']}/series/{dataset['series']}/instances/{ct.SOPInstanceUID}")
    jpeg = reader.get(base + "/rendered", headers={"Accept": "image/jpeg"})
    assert jpeg.status_code == 200 and jpeg.headers["Content-Type"] == "image/jpeg" and jpeg.content[:2] == b"\xff\xd8"
    png = reader.get(base + "/rendered", params={"window": "40,400", "viewport": "128,128"}, headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png.content[16:20], "big"), int.from_bytes(png.content[20:24], "big")
    assert (width, height) == (128, 128)
    for thumb in (base + "/thumbnail", server.url(f"dicomweb/studies/{dataset['study']}/thumbnail")):
        r = reader.get(thumb)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg", thumb
    assert reader.get(base + "/rendered", params={"window": "40"}).status_code == 400
    assert reader.get(base + "/rendered", headers={"Accept": "application/pdf"}).status_code == 406


def test_stow_rs(server, reader, client, dataset):
    source = pydicom.dcmread(dataset["ct"][3])
    copy = source.copy()
    copy.StudyInstanceUID = pydicom.uid.generate_uid()
    copy.SeriesInstanceUID = pydicom.uid.generate_uid()
    copy.SOPInstanceUID = copy.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    result = client.store_instances([copy])
    assert result.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == copy.SOPInstanceUID
    assert "FailedSOPSequence" not in result
    # The whole Part 10 file comes back exactly as uploaded.
    buffer = io.BytesIO()
    copy.save_as(buffer, enforce_file_format=True)
    url = server.url(f"dicomweb/studies/{copy.StudyInstanceUID}/series/{copy.SeriesInstanceUID}/instances/{copy.SOPInstanceUID}")
    r = reader.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
    part = r.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]
    assert hashlib.sha256(part).hexdigest() == hashlib.sha256(buffer.getvalue()).hexdigest()

    # Into the wrong study: refused per instance (409 when nothing was stored), with the reason.
    other = copy.copy()
    other.SOPInstanceUID = other.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    body, boundary = multipart([other])
    r = reader.post(server.url(f"dicomweb/studies/{dataset['study']}"), data=body,
                    headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert r.status_code == 409, r.text
    failed = r.json()["00081198"]["Value"][0]
    assert failed["00081197"]["Value"] == [0xA900] and failed["00081155"]["Value"] == [other.SOPInstanceUID]

    # A garbage part beside a good one: 202, one stored and one failed.
    good = copy.copy()
    good.SOPInstanceUID = good.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    body, boundary = multipart([good, b"not a dicom file at all"])
    r = reader.post(server.url("dicomweb/studies"), data=body,
                    headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert r.status_code == 202, r.text
    assert r.json()["00081198"]["Value"][0]["00081197"]["Value"] == [0xC000]
    assert r.json()["00081199"]["Value"][0]["00081155"]["Value"] == [good.SOPInstanceUID]

    # A part with an empty Content-Type is refused, not a crash.
    odd = f"--{boundary}\r\nContent-Type: ;\r\n\r\nxx\r\n--{boundary}--\r\n".encode()
    r = reader.post(server.url("dicomweb/studies"), data=odd, headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert r.status_code == 409 and r.json()["00081198"]["Value"][0]["00081197"]["Value"] == [0xC000], r.text
    # Repeated frame numbers are answered once; a frame list cannot ask for unbounded memory.
    frames = reader.get(server.url(f"dicomweb/studies/{dataset['study']}/series/{dataset['series']}/instances/"
                                   f"{pydicom.dcmread(dataset['ct'][0], stop_before_pixels=True).SOPInstanceUID}/frames/" + ",".join(["1"] * 3000)))
    assert frames.status_code == 200 and frames.content.count(b"Content-Type: application/octet-stream") == 1

    # Not multipart, or cut off before the closing boundary.
    assert reader.post(server.url("dicomweb/studies"), data=b"x", headers={"Content-Type": "application/dicom"}).status_code == 415
    body, boundary = multipart([good])
    cut = reader.post(server.url("dicomweb/studies"), data=body[:-40],
                      headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert cut.status_code == 400 and cut.json()["error"]["code"] == "bad_multipart"


def multipart(items):
    boundary = "test-" + pydicom.uid.generate_uid()[-12:]
    out = b""
    for item in items:
        if isinstance(item, bytes):
            data = item
        else:
            buffer = io.BytesIO()
            item.save_as(buffer, enforce_file_format=True)
            data = buffer.getvalue()
        out += f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), boundary


def test_permissions_scope_and_audit(server, reader, dataset):
    ct = pydicom.dcmread(dataset["ct"][0], stop_before_pixels=True)
    study_url = server.url(f"dicomweb/studies/{dataset['study']}/metadata")
    assert requests.get(study_url).status_code == 401
    registrar = server.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
    assert registrar.get(study_url).status_code == 403, "registrars do not view images"
    assert registrar.post(server.url("dicomweb/studies"), data=b"").status_code == 403

    # A study from a county node belongs to the county hospital: the city head neither finds nor opens it.
    admin = server.session()
    institutions = admin.get(server.url("api/dictionaries/institutions"), params={"q": "CH-XC"}).json()["items"]
    county = institutions[0]["id"]
    created = admin.post(server.url("api/dicom/application-entities"),
                         json={"aeTitle": "COUNTY1", "host": "127.0.0.1", "port": 104, "institutionId": county,
                               "services": ["store", "find"], "active": True})
    assert created.status_code == 201, created.text
    copy = pydicom.dcmread(dataset["ct"][4])
    copy.StudyInstanceUID, copy.SeriesInstanceUID = pydicom.uid.generate_uid(), pydicom.uid.generate_uid()
    copy.SOPInstanceUID = copy.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    copy.PatientID, copy.PatientName = "XC0001", "Li^Si=李^四"
    path = os.path.join(server.data, "county.dcm")
    copy.save_as(path)
    r = subprocess.run([STORESCU, "-aet", "COUNTY1", "-aec", "YUNYING", "127.0.0.1", str(server.dicom), path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert reader.get(server.url("dicomweb/studies"), params={"PatientID": "XC0001"}).json() == []
    assert reader.get(server.url(f"dicomweb/studies/{copy.StudyInstanceUID}/metadata")).status_code == 404
    # Nor can they add to it or check it (STOW-RS into another institution's study is refused per instance).
    intruder = copy.copy()
    intruder.SOPInstanceUID = intruder.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    body, boundary = multipart([intruder])
    refused = reader.post(server.url("dicomweb/studies"), data=body,
                          headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert refused.status_code == 409 and refused.json()["00081198"]["Value"][0]["00081197"]["Value"] == [0xA900], refused.text
    assert reader.post(server.url("api/archive/verify"), params={"study": copy.StudyInstanceUID}).status_code == 404

    # Views are audited with the patient, once per study and user however many frames are fetched.
    for _ in range(5):
        assert reader.get(server.url(
            f"dicomweb/studies/{dataset['study']}/series/{dataset['series']}/instances/{ct.SOPInstanceUID}/frames/1")).status_code == 200
    auditor = server.session("auditor", DEMO_PASSWORD, new_password="Aud#Yunying2026x")
    log = auditor.get(server.url("api/audit"), params={"patientId": "P0000001", "pageSize": 200}).json()["items"]
    views = [e for e in log if e["action"].startswith("dicomweb.") and e["action"] != "dicomweb.search" and e.get("objectId") == dataset["study"]]
    kinds = [e["action"] for e in views]
    # Dozens of frames, metadata and instances of the study were fetched by now: one record per kind of view.
    assert len(kinds) == len(set(kinds)) and "dicomweb.frames" in kinds and "dicomweb.retrieve" in kinds, kinds


def test_viewer_annotations_per_user_and_study(server, reader, dataset):
    url = server.url(f"api/viewer/studies/{dataset['study']}/annotations")
    empty = reader.get(url).json()
    assert empty["annotations"] == "[]" and empty["version"] == 0
    line = '[{"type":"length","sop":"1.2.3","frame":1,"points":[[1,2],[30,40]],"color":"#ffcc00"}]'
    saved = reader.put(url, json={"annotations": line, "version": 0})
    assert saved.status_code == 200 and saved.json()["version"] == 1, saved.text
    assert reader.get(url).json()["annotations"] == line
    stale = reader.put(url, json={"annotations": "[]", "version": 0})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    assert reader.put(url, json={"annotations": "{not json", "version": 1}).status_code == 422
    other = server.session("chief", DEMO_PASSWORD, new_password="Chf#Yunying2026x")
    assert other.get(url).json()["version"] == 0, "each reader has their own measurements"
    assert reader.get(server.url("api/viewer/studies/1.2.3.4.5/annotations")).status_code == 404


def test_key_images_as_key_object_selection(server, dataset):
    attending = server.session("attending", DEMO_PASSWORD, new_password="Att#Yunying2026x")
    ct = [pydicom.dcmread(p, stop_before_pixels=True) for p in dataset["ct"][:2]]
    url = server.url(f"api/viewer/studies/{dataset['study']}/key-images")
    assert attending.post(url, json={"items": []}).status_code == 422
    assert attending.post(url, json={"items": [{"sopInstanceUID": "1.2.3.999"}]}).status_code == 404
    saved = attending.post(url, json={"items": [{"sopInstanceUID": c.SOPInstanceUID} for c in ct], "description": "右肺上叶结节"})
    assert saved.status_code == 201, saved.text
    kos_uid = saved.json()["sopInstanceUID"]
    listed = attending.get(url).json()["items"]
    assert listed[0]["sopInstanceUID"] == kos_uid and listed[0]["description"] == "右肺上叶结节"
    assert [i["sopInstanceUID"] for i in listed[0]["items"]] == [c.SOPInstanceUID for c in ct]
    # A real KOS in the archive: pydicom reads it back over WADO-RS; other viewers see the same selection.
    series = attending.get(server.url(f"dicomweb/studies/{dataset['study']}/series"), params={"Modality": "KO"}).json()
    kos_series = series[0]["0020000E"]["Value"][0]
    got = attending.get(server.url(f"dicomweb/studies/{dataset['study']}/series/{kos_series}/instances/{kos_uid}"),
                        headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
    kos = pydicom.dcmread(io.BytesIO(got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]))
    assert kos.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.59" and kos.ConceptNameCodeSequence[0].CodeValue == "113000"
    refs = [item.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for item in kos.ContentSequence if item.ValueType == "IMAGE"]
    assert refs == [c.SOPInstanceUID for c in ct]
    assert kos.CurrentRequestedProcedureEvidenceSequence[0].StudyInstanceUID == dataset["study"]
    if os.path.exists("/usr/bin/dciodvfy"):  # dicom3tools: the document conforms to the KOS IOD
        path = os.path.join(server.data, "kos.dcm")
        with open(path, "wb") as f:
            f.write(got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0])
        check = subprocess.run(["/usr/bin/dciodvfy", path], capture_output=True, text=True)
        assert "Error" not in check.stdout + check.stderr, check.stdout + check.stderr
    clinician = server.session("clinician", DEMO_PASSWORD, new_password="Cln#Yunying2026x")
    assert clinician.post(url, json={"items": [{"sopInstanceUID": ct[0].SOPInstanceUID}]}).status_code == 403, "clinicians view, do not mark"
