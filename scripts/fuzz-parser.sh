#!/usr/bin/env bash
# Fuzzes the DICOM parser with libFuzzer for a bounded time (default 60 s), seeded with pydicom's test files
# when pydicom is installed. Exit code non-zero when a crash is found; the crashing input is left in
# Fuzz/crashes/ and must become a regression test in Tests/DICOMTests.
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
