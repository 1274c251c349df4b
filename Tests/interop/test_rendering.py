"""Interop: what `yunying dicom render` draws, against pydicom's LUT functions and DCMTK's dcm2pnm."""
import os
import pathlib
import shutil
import struct
import subprocess
import zlib

import pytest

pydicom = pytest.importorskip("pydicom")
np = pytest.importorskip("numpy")
from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.pixels import apply_color_lut  # noqa: E402

BIN = os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying"))
PALETTES = pathlib.Path(pydicom.__file__).parent / "data" / "palettes"


def read_png(path):
    """Reads the PNGs we write: 8-bit grey or RGB, one IDAT stream, filter 0 on every row."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 1
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            channels = 3 if body[9] == 2 else 1
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    rows = [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(height, width, channels).squeeze()


def render(path, tmp_path, *extra):
    out = tmp_path / "out.png"
    subprocess.run([BIN, "dicom", "render", *extra, str(path), str(out)], check=True, capture_output=True)
    return read_png(out)


@pytest.mark.parametrize("palette", sorted(p.name for p in PALETTES.glob("*.dcm")))
def test_palettes_match_pydicom_including_segmented(tmp_path, palette):
    lut = pydicom.dcmread(PALETTES / palette)
    ds = pydicom.dcmread(get_testdata_file("examples_palette.dcm"))
    for tag in list(ds.keys()):
        if tag.group == 0x0028 and (0x1101 <= tag.element <= 0x1103 or 0x1201 <= tag.element <= 0x1223 or tag.element == 0x1199):
            del ds[tag]
    for elem in lut:
        if elem.tag.group == 0x0028 and (0x1101 <= elem.tag.element <= 0x1103 or 0x1201 <= elem.tag.element <= 0x1223):
            ds.add(elem)
    path = tmp_path / "palette.dcm"
    ds.save_as(path)
    expected = apply_color_lut(ds.pixel_array, ds)
    bits = ds.RedPaletteColorLookupTableDescriptor[2]
    expected8 = (expected >> 8).astype(np.uint8) if bits > 8 else expected.astype(np.uint8)
    assert np.array_equal(render(path, tmp_path), expected8)


@pytest.mark.skipif(shutil.which("dcm2pnm") is None, reason="DCMTK not installed")
@pytest.mark.parametrize("name,window", [("CT_small.dcm", "40,400"), ("MR_small.dcm", "600,1200"), ("CT_small.dcm", None)])
def test_grey_rendering_matches_dcmtk(tmp_path, name, window):
    path = get_testdata_file(name)
    ours = render(path, tmp_path, *(["--window", window] if window else []))
    ref = tmp_path / "ref.pgm"
    options = ["--set-window", *window.split(",")] if window else ["--min-max-window"]
    subprocess.run(["dcm2pnm", "--write-raw-pnm", *options, str(path), str(ref)], check=True, capture_output=True)
    raw = ref.read_bytes().split(maxsplit=4)
    theirs = np.frombuffer(raw[4][: ours.size], dtype=np.uint8).reshape(ours.shape)
    diff = np.abs(ours.astype(int) - theirs.astype(int))
    assert diff.max() <= 1, f"max difference {diff.max()}"
