"""Interop: what the ingest pipeline does to objects beyond storing them.

- Compression by policy (DCM-04, ARC-02): uncompressed CT is stored as JPEG-LS lossless, MR kept as received;
  pydicom (with pyjpegls) decodes the stored CT to exactly the pixels that were sent.
- Non-DICOM conversion (DCM-08): a JPEG photo, a PNG scan, a BMP and a PDF uploaded for an existing study become
  Secondary Capture / Encapsulated PDF objects of the same patient and study; pydicom reads them back.
"""
import io
import os
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

import synthetic
from yyserver import DEMO_PASSWORD, Server

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
PIL = pytest.importorskip("PIL.Image")
pytest.importorskip("jpeg_ls")

STORESCU = "/usr/bin/storescu"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")
SAVED = 'multipart/related; type="application/dicom"; transfer-syntax=*'


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-policy-")
    s = Server(data, YUNYING_INGEST_COMPRESSION="CT=jpeg-ls,*=keep").demo().start()
    files = synthetic.make(os.path.join(data, "in"), ct_slices=3, mr_slices=2)
    r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "+sd", "127.0.0.1", str(s.dicom), *map(str, files)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    s.files = files
    s.head = s.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
    yield s
    s.stop()
    if not os.environ.get("KEEP"):
        shutil.rmtree(data, ignore_errors=True)


def retrieve(server, ds):
    url = server.url(f"dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}")
    r = server.head.get(url, headers={"Accept": SAVED})
    assert r.status_code == 200, r.text
    return pydicom.dcmread(io.BytesIO(r.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]))


def test_ct_is_compressed_losslessly_and_mr_kept(server):
    for path in server.files:
        sent = pydicom.dcmread(path)
        got = retrieve(server, sent)
        if sent.Modality == "CT":
            assert got.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.80", "CT stored as JPEG-LS lossless"
            assert (got.pixel_array == sent.pixel_array).all(), "not one pixel changed"
        else:
            assert got.file_meta.TransferSyntaxUID == sent.file_meta.TransferSyntaxUID, f"{sent.Modality} kept as received"
            assert got.PixelData == sent.PixelData


def picture(fmt, mode="RGB", size=(64, 48)):
    image = PIL.new(mode, size)
    for x in range(size[0]):
        for y in range(size[1]):
            image.putpixel((x, y), (x * 4, y * 5, 128) if mode == "RGB" else (x * 4) % 256)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return image, buffer.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_photos_scans_and_pdf_become_dicom_of_the_study(server):
    ct = pydicom.dcmread(next(p for p in server.files if pydicom.dcmread(p, stop_before_pixels=True).Modality == "CT"))
    jpeg_image, jpeg = picture("JPEG")
    png_image, png = picture("PNG", mode="L")
    bmp_image, bmp = picture("BMP")
    files = [("file", ("检查申请单.jpg", jpeg, "image/jpeg")), ("file", ("scan.png", png, "image/png")),
             ("file", ("photo.bmp", bmp, "image/bmp")), ("file", ("知情同意书.pdf", PDF, "application/pdf")),
             ("file", ("notes.txt", b"plain text", "text/plain"))]
    r = server.head.post(server.url("api/archive/convert"), data={"studyUID": ct.StudyInstanceUID, "seriesDescription": "申请单与知情同意书"},
                         files=files)
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["studyUID"] == ct.StudyInstanceUID
    outcomes = {i["filename"]: i for i in result["items"]}
    assert [outcomes[n]["ok"] for n in ("检查申请单.jpg", "scan.png", "photo.bmp", "知情同意书.pdf")] == [True] * 4
    assert not outcomes["notes.txt"]["ok"] and "JPEG" in outcomes["notes.txt"]["message"]

    def stored(name):
        sop = outcomes[name]["sopInstanceUID"]
        found = server.head.get(server.url(f"dicomweb/studies/{ct.StudyInstanceUID}/instances"), params={"SOPInstanceUID": sop}).json()
        series = found[0]["0020000E"]["Value"][0]
        url = server.url(f"dicomweb/studies/{ct.StudyInstanceUID}/series/{series}/instances/{sop}")
        got = server.head.get(url, headers={"Accept": SAVED})
        assert got.status_code == 200, got.text
        return pydicom.dcmread(io.BytesIO(got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]))

    jpg = stored("检查申请单.jpg")
    assert jpg.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7" and jpg.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50"
    assert jpg.PatientID == ct.PatientID and str(jpg.PatientName) == str(ct.PatientName) and jpg.AccessionNumber == ct.AccessionNumber
    assert (jpg.Rows, jpg.Columns) == (48, 64)
    assert pydicom.encaps.generate_frames(jpg.PixelData, number_of_frames=1).__next__().startswith(jpeg[:2]), "the JPEG kept as sent"
    scan = stored("scan.png")
    assert scan.PhotometricInterpretation == "MONOCHROME2" and scan.PixelData[:64 * 48] == png_image.tobytes()
    photo = stored("photo.bmp")
    assert photo.PhotometricInterpretation == "RGB" and photo.PixelData[:64 * 48 * 3] == bmp_image.tobytes()
    pdf = stored("知情同意书.pdf")
    assert pdf.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1" and pdf.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert pdf.EncapsulatedDocument.rstrip(b"\0") == PDF.rstrip(b"\0")
    assert pdf.SeriesInstanceUID != jpg.SeriesInstanceUID and pdf.Modality == "DOC" and jpg.Modality == "OT", "one modality per series"
    assert jpg.SeriesInstanceUID == scan.SeriesInstanceUID == photo.SeriesInstanceUID

    # A new patient needs an ID and a name; the answer says which field is missing.
    bad = server.head.post(server.url("api/archive/convert"), data={"patientName": "王五"}, files=[("file", ("a.png", png, "image/png"))])
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "patientId"
    new = server.head.post(server.url("api/archive/convert"), data={"patientId": "EXT0001", "patientName": "Wang^Wu=王^五", "sex": "M"},
                           files=[("file", ("a.png", png, "image/png"))])
    assert new.status_code == 201, new.text
    found = server.head.get(server.url("dicomweb/studies"), params={"PatientID": "EXT0001"}).json()
    assert len(found) == 1 and found[0]["00100010"]["Value"][0]["Ideographic"] == "王^五"
    assert server.head.post(server.url("api/archive/convert"), data=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    # Crafted pictures: a BMP pointing before its own header, a PNG header claiming 65535×65535, a truncated PNG header.
    bad_bmp = bytearray(bmp)
    bad_bmp[10:14] = (0x80000000).to_bytes(4, "little")
    huge_png = bytearray(png)
    huge_png[16:24] = (65535).to_bytes(4, "big") * 2
    short_png = png[:8] + (0).to_bytes(4, "big") + b"IHDR"
    crafted = server.head.post(server.url("api/archive/convert"), data={"studyUID": ct.StudyInstanceUID},
                               files=[("file", ("a.bmp", bytes(bad_bmp), "image/bmp")), ("file", ("b.png", bytes(huge_png), "image/png")),
                                      ("file", ("c.png", short_png, "image/png"))])
    assert crafted.status_code == 422 and not any(i["ok"] for i in crafted.json()["items"]), crafted.text
    assert server.head.get(server.url("api/archive/storage")).status_code == 200, "the server is still up"


def test_jpeg_photos_are_labelled_by_their_chroma(server):
    """A JPEG kept as sent says what its codestream holds (PS3.5 8.2.1): 4:2:0 → YBR_FULL_422, 4:4:4 → YBR_FULL,
    Adobe RGB without a colour transform (libjpeg-turbo's `cjpeg -rgb`) → RGB; pydicom then decodes each to the
    colours of the photo (within JPEG error)."""
    ct = pydicom.dcmread(next(p for p in server.files if pydicom.dcmread(p, stop_before_pixels=True).Modality == "CT"))
    image, _ = picture("JPEG")
    made = {}
    for name, kwargs in (("420.jpg", {"subsampling": 2}), ("444.jpg", {"subsampling": 0})):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=95, **kwargs)
        made[name] = buffer.getvalue()
    cjpeg = shutil.which("cjpeg")
    if cjpeg:
        ppm = io.BytesIO()
        image.save(ppm, format="PPM")
        made["rgb.jpg"] = subprocess.run([cjpeg, "-rgb", "-quality", "95"], input=ppm.getvalue(), capture_output=True, check=True).stdout
    r = server.head.post(server.url("api/archive/convert"), data={"studyUID": ct.StudyInstanceUID},
                         files=[("file", (n, b, "image/jpeg")) for n, b in made.items()])
    assert r.status_code == 201, r.text
    expected = {"420.jpg": "YBR_FULL_422", "444.jpg": "YBR_FULL", "rgb.jpg": "RGB"}
    for item in r.json()["items"]:
        sop = item["sopInstanceUID"]
        found = server.head.get(server.url(f"dicomweb/studies/{ct.StudyInstanceUID}/instances"), params={"SOPInstanceUID": sop}).json()
        series = found[0]["0020000E"]["Value"][0]
        got = server.head.get(server.url(f"dicomweb/studies/{ct.StudyInstanceUID}/series/{series}/instances/{sop}"), headers={"Accept": SAVED})
        ds = pydicom.dcmread(io.BytesIO(got.content.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--", 1)[0]))
        assert ds.PhotometricInterpretation == expected[item["filename"]], item["filename"]
        pixels = ds.pixel_array  # pydicom 3 returns RGB for the YBR photometrics (as_rgb)
        difference = np.abs(pixels.astype(int) - np.asarray(image, dtype=int))
        assert difference.mean() < 4, (item["filename"], difference.mean())


def test_integrity_check_finds_damaged_and_missing_objects(server):
    import sqlite3
    db = sqlite3.connect(os.path.join(server.data, "yunying.sqlite"))
    rows = db.execute("""SELECT i.storage_path, i.sop_uid, s.study_uid FROM instances i JOIN series se ON se.id = i.series_pk
                         JOIN studies s ON s.id = se.study_pk WHERE i.sop_class_uid = '1.2.840.10008.5.1.4.1.1.4' ORDER BY i.id""").fetchall()
    db.close()
    (damaged, damaged_sop, study), (gone, gone_sop, _) = rows[0], rows[1]
    path = os.path.join(server.data, "archive", damaged)
    raw = bytearray(open(path, "rb").read())
    raw[-100] ^= 0xFF
    open(path, "wb").write(bytes(raw))
    os.remove(os.path.join(server.data, "archive", gone))
    result = server.head.post(server.url("api/archive/verify"), params={"study": study}).json()
    assert result["corrupt"] == 1 and result["missing"] == 1 and set(result["problems"]) == {damaged_sop, gone_sop}, result
    assert server.head.get(server.url("api/archive/storage")).json()["damaged"] == 2
