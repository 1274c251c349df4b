"""Interop: HTJ2K (High-Throughput JPEG 2000) frames written by OpenJPH's ojph_compress (Debian openjph-tools)
decode in Yunying exactly (reversible) or within a small error of OpenJPH's own decoder (irreversible)."""
import os
import pathlib
import shutil
import subprocess

import pytest

pydicom = pytest.importorskip("pydicom")
np = pytest.importorskip("numpy")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402

BIN = os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying"))
pytestmark = pytest.mark.skipif(shutil.which("ojph_compress") is None, reason="openjph-tools not installed")


def write_pgm(path, image, maxval):
    with open(path, "wb") as f:
        f.write(f"P5\n{image.shape[1]} {image.shape[0]}\n{maxval}\n".encode())
        f.write(image.astype(">u2" if maxval > 255 else "u1").tobytes())


def read_pgm(path):
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    width, height, maxval = int(parts[1]), int(parts[2]), int(parts[3])
    raw = parts[4]
    return np.frombuffer(raw[: width * height * (2 if maxval > 255 else 1)], dtype=">u2" if maxval > 255 else "u1").reshape(height, width)


def dicom_with(codestream, rows, columns, bits, uid, path):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = uid
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, columns, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits, bits - 1, 0
    ds.PixelData = encapsulate([codestream])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)


def decode_ours(path, tmp_path):
    out = tmp_path / "native.dcm"
    subprocess.run([BIN, "dicom", "transcode", "--to", "explicit", str(path), str(out)], check=True, capture_output=True)
    return pydicom.dcmread(out).pixel_array


@pytest.fixture
def image():
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:48, 0:64]
    return np.clip((x * 40 + y * 25 + rng.integers(0, 64, size=(48, 64))), 0, 4095).astype(np.uint16)


def test_reversible_htj2k_decodes_exactly(tmp_path, image):
    write_pgm(tmp_path / "in.pgm", image, 4095)
    subprocess.run(["ojph_compress", "-i", str(tmp_path / "in.pgm"), "-o", str(tmp_path / "out.j2c"), "-reversible", "true"],
                   check=True, capture_output=True)
    dicom_with((tmp_path / "out.j2c").read_bytes(), 48, 64, 12, "1.2.840.10008.1.2.4.201", tmp_path / "ht.dcm")
    assert np.array_equal(decode_ours(tmp_path / "ht.dcm", tmp_path), image)


def test_irreversible_htj2k_matches_openjph(tmp_path, image):
    write_pgm(tmp_path / "in.pgm", image, 4095)
    subprocess.run(["ojph_compress", "-i", str(tmp_path / "in.pgm"), "-o", str(tmp_path / "out.j2c"), "-qstep", "0.002"],
                   check=True, capture_output=True)
    subprocess.run(["ojph_expand", "-i", str(tmp_path / "out.j2c"), "-o", str(tmp_path / "ref.pgm")], check=True, capture_output=True)
    reference = read_pgm(tmp_path / "ref.pgm").astype(np.int64)
    dicom_with((tmp_path / "out.j2c").read_bytes(), 48, 64, 12, "1.2.840.10008.1.2.4.203", tmp_path / "ht.dcm")
    ours = decode_ours(tmp_path / "ht.dcm", tmp_path).astype(np.int64)
    assert np.abs(ours - reference).max() <= 1, "two HTJ2K decoders of one codestream agree to rounding"
    assert np.abs(ours - image.astype(np.int64)).mean() < 8
