"""Interop: Yunying's DICOM parser against pydicom on every file pydicom ships as test data.

For each file, `yunying dicom dump --json` must describe the same elements as pydicom's
`Dataset.to_json_dict()` (PS3.18 DICOM JSON): same tags, same VRs, same values (numbers within 1e-9
relative), same binary bytes. Files pydicom itself cannot read must give a typed error (exit code 2),
never a crash.

Run: YUNYING_BIN=.build/debug/yunying python3 -m pytest -q Tests/interop
"""
import base64
import json
import math
import os
import pathlib
import subprocess

import pytest

pydicom = pytest.importorskip("pydicom")
from pydicom.data import get_testdata_file  # noqa: E402

ROOT = pathlib.Path(pydicom.__file__).parent / "data"
BIN = os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying"))
FILES = sorted(p for d in ("test_files", "charset_files") for p in (ROOT / d).glob("*.dcm"))

# Where pydicom and the standard part ways, pydicom's choice is not the reference. Each entry says why.
KNOWN_DIFFERENCES = {
    # pydicom replaces UN by the dictionary VR when it reads implicit-VR-encoded UN values; we keep the VR as
    # written (PS3.5: a UN value's bytes are not to be reinterpreted by a receiver that does not need to).
    "UN_sequence.dcm": "UN kept as written",
    # The meta header says Implicit VR but the pixel data is encapsulated; PS3.5 A.4 makes encapsulated pixel
    # data OB, pydicom applies the implicit-VR rule for native data (OW when Bits Allocated > 8).
    "SC_rgb_jpeg_dcmd.dcm": "encapsulated pixel data is OB",
}


# Files that are malformed: pydicom reads what it can and stops silently; we report a typed error with the offset
# (issue #3: "every malformed input gives a typed error with the offset").
EXPECTED_ERRORS = {
    "MR_truncated.dcm": "pixel data shorter than declared",
    "rtplan_truncated.dcm": "sequence item shorter than declared",
    "no_meta.dcm": "starts one byte into an element; pydicom reads a single garbage element",
}


def swapped(data, unit):
    return b"".join(data[i:i + unit][::-1] for i in range(0, len(data) - len(data) % unit, unit))


def run_ours(path):
    return subprocess.run([BIN, "dicom", "dump", "--json", str(path)], capture_output=True, timeout=60)


def pydicom_json(path):
    ds = pydicom.dcmread(str(path), force=True)
    return ds.to_json_dict(bulk_data_threshold=1 << 40, bulk_data_element_handler=None)


def same_number(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return str(a).strip() == str(b).strip()
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def compare(theirs, ours, where, problems):
    for key in sorted(set(theirs) | set(ours)):
        t, o = theirs.get(key), ours.get(key)
        here = f"{where}{key}"
        if t is None or o is None:
            problems.append(f"{here}: {'missing in ours' if o is None else 'extra in ours'}")
            continue
        if o.get("vr") == "UN" and t.get("vr") != "UN" and int(key[:4], 16) % 2 == 1:
            continue  # a private tag pydicom knows from its private dictionary; we keep UN (no private dictionary yet)
        if t.get("vr") != o.get("vr"):
            problems.append(f"{here}: VR {t.get('vr')} vs ours {o.get('vr')}")
            continue
        tv, ov = t.get("Value"), o.get("Value")
        if "InlineBinary" in t or "InlineBinary" in o:
            tb = base64.b64decode(t.get("InlineBinary", "")) if "InlineBinary" in t else None
            ob = base64.b64decode(o.get("InlineBinary", "")) if "InlineBinary" in o else None
            # pydicom leaves big-endian binary as read; DICOM JSON (and we) give little endian.
            same = tb == ob or (tb is not None and ob is not None and len(tb) == len(ob)
                                and (tb == swapped(ob, 2) or tb == swapped(ob, 4) or tb == swapped(ob, 8)))
            if not same:
                problems.append(f"{here}: binary differs ({len(tb or b'')} vs {len(ob or b'')} bytes)")
            continue
        if t.get("vr") == "SQ":
            ti, oi = tv or [], ov or []
            if len(ti) != len(oi):
                problems.append(f"{here}: {len(ti)} items vs ours {len(oi)}")
                continue
            for n, (a, b) in enumerate(zip(ti, oi)):
                compare(a, b, f"{here}[{n}].", problems)
            continue
        tv = [v for v in (tv or [])]
        ov = [v for v in (ov or [])]
        # pydicom drops trailing empty values in some multi-valued strings; treat [] and [None]/[""] alike.
        strip = lambda vs: [v for v in vs if v not in (None, "", {})]  # noqa: E731
        if len(strip(tv)) != len(strip(ov)):
            problems.append(f"{here}: values {tv!r} vs ours {ov!r}")
            continue
        for a, b in zip(strip(tv), strip(ov)):
            if isinstance(a, dict) or isinstance(b, dict):
                if (a or {}) != (b or {}):
                    problems.append(f"{here}: {a!r} vs ours {b!r}")
            elif isinstance(a, (int, float)) or isinstance(b, (int, float)):
                if not same_number(a, b):
                    problems.append(f"{here}: {a!r} vs ours {b!r}")
            elif str(a).rstrip() != str(b).rstrip():
                problems.append(f"{here}: {a!r} vs ours {b!r}")


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_malformed_files_give_typed_errors(name):
    result = run_ours(ROOT / "test_files" / name)
    assert result.returncode == 2, result.stdout[-300:]
    assert b"offset" in result.stderr, result.stderr


@pytest.mark.parametrize("path", [p for p in FILES if p.name not in EXPECTED_ERRORS], ids=lambda p: p.name)
def test_matches_pydicom(path):
    try:
        theirs = pydicom_json(path)
    except Exception as exc:  # pydicom cannot read it: we must fail cleanly too, or read it
        result = run_ours(path)
        assert result.returncode in (0, 2), f"crash ({result.returncode}): {result.stderr.decode()[-500:]}"
        pytest.skip(f"pydicom cannot read it ({type(exc).__name__}); ours exited {result.returncode}")
        return
    result = run_ours(path)
    assert result.returncode == 0, result.stderr.decode()[-800:]
    ours = json.loads(result.stdout)
    problems = []
    compare(theirs, ours, "", problems)
    if path.name in KNOWN_DIFFERENCES and problems:
        pytest.xfail(KNOWN_DIFFERENCES[path.name] + ": " + "; ".join(problems[:3]))
    assert not problems, "\n".join(problems[:20])
