"""Interop: pixel data decoded and encoded by Yunying against pydicom's decoders.

For every pydicom test file in a syntax we decode, `yunying dicom transcode --to explicit` must give exactly
pydicom's `pixel_array`; and a file we encode (e.g. RLE) must decode in pydicom to the same array.
"""
import os
import pathlib
import subprocess

import pytest

pydicom = pytest.importorskip("pydicom")
np = pytest.importorskip("numpy")

ROOT = pathlib.Path(pydicom.__file__).parent / "data" / "test_files"
BIN = os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying"))
DECODABLE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.5",
             "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
             "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203",
             "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"}
# DCT-based JPEG: libjpeg-turbo / IJG 6b (ours) and libjpeg 9 (pylibjpeg) may round the inverse DCT differently.
JPEG_LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}
ENCODABLE = ["rle", "jpegls", "j2k", "jpeg-lossless", "explicit", "implicit", "big"]


def candidates():
    for path in sorted(ROOT.glob("*.dcm")):
        try:
            ds = pydicom.dcmread(path)
            if "PixelData" not in ds or ds.file_meta.TransferSyntaxUID not in DECODABLE:
                continue
            ds.pixel_array
        except Exception:
            continue
        yield path


FILES = list(candidates())


def transcode(src, dst, to):
    return subprocess.run([BIN, "dicom", "transcode", "--to", to, str(src), str(dst)], capture_output=True)


def test_there_is_something_to_compare():
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_decoded_pixels_match_pydicom(path, tmp_path):
    expected = pydicom.dcmread(path).pixel_array
    out = tmp_path / "native.dcm"
    result = transcode(path, out, "explicit")
    assert result.returncode == 0, result.stderr.decode()
    ours = pydicom.dcmread(out)
    assert ours.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    if pydicom.dcmread(path).file_meta.TransferSyntaxUID in JPEG_LOSSY:
        diff = np.abs(ours.pixel_array.astype(np.int64) - expected.astype(np.int64))
        # and upsample 4:2:2 chroma ("fancy upsampling") with different rounding.
        assert diff.max() <= 4 and diff.mean() < 0.5, f"max {diff.max()}, mean {diff.mean()}"
    else:
        assert np.array_equal(ours.pixel_array, expected)


@pytest.mark.parametrize("to", ENCODABLE)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_encoded_pixels_decode_in_pydicom(path, tmp_path, to):
    source = pydicom.dcmread(path)
    expected = source.pixel_array
    out = tmp_path / f"{to}.dcm"
    result = transcode(path, out, to)
    if (to == "rle" and source.BitsAllocated == 1) or (to in ("jpegls", "j2k", "jpeg-lossless") and source.BitsAllocated not in (8, 16)):
        # RLE (PS3.5 G) has no 1-bit form; JPEG-LS codes at most 16 bits per sample.
        assert result.returncode == 3 and b"unsupported" in result.stderr, result.stderr
        return
    if to == "big" and source.BitsAllocated > 16:
        # Explicit VR Big Endian (retired) never said whether 32-bit OW pixels swap per word or per pixel;
        # we swap per 16-bit OW word, pydicom per pixel.
        pytest.xfail("32-bit pixel byte order in retired big endian")
    assert result.returncode == 0, result.stderr.decode()
    if source.file_meta.TransferSyntaxUID in JPEG_LOSSY:
        expected = pydicom.dcmread(out.parent / "_"  if False else path).pixel_array
        ours = pydicom.dcmread(out).pixel_array.astype(np.int64)
        diff = np.abs(ours - expected.astype(np.int64))
        assert diff.max() <= 4, f"max {diff.max()}"
        return
    assert np.array_equal(pydicom.dcmread(out).pixel_array, expected)


@pytest.mark.parametrize("path", [p for p in FILES if pydicom.dcmread(p).BitsAllocated == 8], ids=lambda p: p.name)
def test_lossy_jpeg_previews_stay_close(path, tmp_path):
    """Baseline JPEG (q90) from an 8-bit image: what pydicom decodes is close to the original (PSNR > 30 dB)."""
    if pydicom.dcmread(path).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50":
        pytest.skip("already JPEG baseline: transcoding to the same syntax keeps the file as it is")
    expected = pydicom.dcmread(path).pixel_array.astype(np.float64)
    out = tmp_path / "jpeg.dcm"
    result = transcode(path, out, "jpeg")
    assert result.returncode == 0, result.stderr.decode()
    ds = pydicom.dcmread(out)
    assert ds.LossyImageCompression == "01" and "ISO_10918_1" in ds.LossyImageCompressionMethod
    got = ds.pixel_array.astype(np.float64)
    mse = ((got - expected) ** 2).mean()
    assert mse == 0 or 10 * np.log10(255 ** 2 / mse) > 30
