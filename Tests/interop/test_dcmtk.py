"""Interop: files Yunying writes are read by DCMTK (dcmdump, and its decompressors give back the same pixels),
and dicom3tools' dciodvfy reports no error for them that the source file did not already have."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

pydicom = pytest.importorskip("pydicom")
np = pytest.importorskip("numpy")
from pydicom.data import get_testdata_file  # noqa: E402

BIN = os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying"))
SOURCES = ["CT_small.dcm", "MR_small.dcm", "SC_rgb.dcm" if False else "SC_rgb_small_odd.dcm", "rtdose_1frame.dcm", "SC_rgb_rle_2frame.dcm"]
DECOMPRESSORS = {"rle": "dcmdrle", "jpegls": "dcmdjpls", "jpeg-lossless": "dcmdjpeg"}

needs_dcmtk = pytest.mark.skipif(shutil.which("dcmdump") is None, reason="DCMTK not installed")


def transcode(src, dst, to):
    subprocess.run([BIN, "dicom", "transcode", "--to", to, str(src), str(dst)], check=True, capture_output=True)


@needs_dcmtk
@pytest.mark.parametrize("to", ["explicit", "implicit", "big", "deflated", "rle", "jpegls", "j2k", "jpeg-lossless"])
@pytest.mark.parametrize("name", SOURCES)
def test_dcmdump_reads_what_we_write(tmp_path, name, to):
    source = pydicom.dcmread(get_testdata_file(name))
    if to in ("jpegls", "j2k", "jpeg-lossless") and source.BitsAllocated not in (8, 16):
        pytest.skip("codec does not take 32-bit samples")
    out = tmp_path / "out.dcm"
    transcode(get_testdata_file(name), out, to)
    dump = subprocess.run(["dcmdump", "-E", str(out)], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert "E:" not in dump.stderr
    decompress = DECOMPRESSORS.get(to)
    if decompress:
        native = tmp_path / "native.dcm"
        subprocess.run([decompress, str(out), str(native)], check=True, capture_output=True)
        assert np.array_equal(pydicom.dcmread(native).pixel_array, source.pixel_array)


def dciodvfy_errors(path):
    result = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, text=True)
    lines = (result.stdout + result.stderr).splitlines()
    # Messages name elements and values; compare them without the file-specific parts in brackets.
    return {re.sub(r"\s+", " ", line.split(" - ", 1)[-1]) for line in lines if line.startswith("Error")}


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
@pytest.mark.parametrize("to", ["explicit", "rle", "jpegls", "jpeg-lossless"])
@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
def test_dciodvfy_finds_no_new_errors(tmp_path, name, to):
    out = tmp_path / "out.dcm"
    transcode(get_testdata_file(name), out, to)
    new = dciodvfy_errors(out) - dciodvfy_errors(get_testdata_file(name))
    assert not new, "\n".join(sorted(new))
