#!/usr/bin/env bash
# Fuzzes the DICOM parser, then the upper-layer PDU decoder and association acceptor, with libFuzzer for a bounded
# time each (default 60 s), the parser seeded with pydicom's test files when pydicom is installed. Exit code non-zero
# when a crash is found; the crashing input is left in Fuzz/crashes/ and must become a regression test.
#   scripts/fuzz-parser.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=$(mktemp -d)
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name DICOM \
    -I Sources/CDICOMZlib Sources/DICOM/*.swift Sources/DICOM/Dictionary/*.swift Fuzz/DICOMParserFuzz.swift \
    -lz -o "$out/fuzz-dicom" 2>&1 | grep -v "Cannot export local symbol" || true
corpus="$out/corpus"
mkdir -p "$corpus" Fuzz/crashes
python3 - "$corpus" <<'PY' 2>/dev/null || true
import pathlib, shutil, sys
import pydicom
root = pathlib.Path(pydicom.__file__).parent / "data"
for p in list((root / "test_files").glob("*.dcm")) + list((root / "charset_files").glob("*.dcm")):
    if p.stat().st_size < 200_000:
        shutil.copy(p, sys.argv[1])
PY
"$out/fuzz-dicom" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -artifact_prefix=Fuzz/crashes/ "$corpus" 2>&1 | tail -n 5

# The upper layer: PDUs and the acceptor state machine (DICOMListener itself needs SwiftNIO and is left out). DICOM is
# built as its own instrumented module first, because DICOMNetwork imports it.
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name DICOM -emit-module -emit-module-path "$out/DICOM.swiftmodule" \
    -emit-library -static -o "$out/libDICOM.a" -I Sources/CDICOMZlib Sources/DICOM/*.swift Sources/DICOM/Dictionary/*.swift
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name DICOMNetwork -I "$out" -I Sources/CDICOMZlib -L "$out" -lDICOM \
    Sources/DICOMNetwork/PDU.swift Sources/DICOMNetwork/PDUCodec.swift Sources/DICOMNetwork/DIMSE.swift \
    Sources/DICOMNetwork/Association.swift Sources/DICOMNetwork/UpperLayer.swift Sources/DICOMNetwork/MessageAssembler.swift Fuzz/PDUFuzz.swift \
    -lz -o "$out/fuzz-pdu" 2>&1 | grep -v "Cannot export local symbol" || true
pducorpus="$out/pdu-corpus"
mkdir -p "$pducorpus"
test -x "$out/fuzz-pdu" || { echo "the PDU fuzz target did not build"; exit 1; }
"$out/fuzz-pdu" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 -artifact_prefix=Fuzz/crashes/ "$pducorpus" 2>&1 | tail -n 3
