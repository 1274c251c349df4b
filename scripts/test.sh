#!/usr/bin/env bash
# One command: install what is missing, then run every test — Swift unit and HTTP tests on SQLite and on a
# throwaway PostgreSQL cluster, the web app's type check and unit tests, and the browser end-to-end test.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
bash scripts/install-deps.sh test || exit 1

failed=0
passed=0
step() {
    local name=$1; shift
    echo
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); echo "--- $name: ok"; else failed=$((failed + 1)); echo "--- $name: FAILED"; fi
}

pgdir=$(mktemp -d /tmp/yunying-pg.XXXXXX)
pgport=$((55000 + RANDOM % 1000))
cleanup() { bash scripts/pg-test-cluster.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$pgdir"; }
trap cleanup EXIT
pgurl=$(bash scripts/pg-test-cluster.sh start "$pgdir" "$pgport") || { echo "could not start PostgreSQL"; exit 1; }

step "swift build" swift build --build-tests -j 2
step "swift test (SQLite + PostgreSQL)" env YUNYING_TEST_POSTGRES_URL="$pgurl" swift test --skip-build
step "DICOM interop (pydicom, DCMTK, pynetdicom, OpenJPH)" env YUNYING_BIN="$(swift build --show-bin-path)/yunying" \
    python3 -m pytest -q -p no:cacheprovider Tests/interop
step "fuzzing: DICOM parser and upper-layer PDUs (libFuzzer, 60 s each)" bash scripts/fuzz-parser.sh 60
step "web type check (tsc --checkJs)" bash -c "cd Web && tsc -p tsconfig.json"
step "web unit tests (node --test)" bash -c "cd Web && node --test tests/"
step "server on PostgreSQL: migrate and demo" env YUNYING_DATABASE_URL="$pgurl" YUNYING_DATA_DIR="$pgdir/app" \
    YUNYING_ADMIN_PASSWORD='Pg#Yunying2026' "$(swift build --show-bin-path)/yunying" demo --password 'Demo#2026pw'
step "browser end-to-end (headless Chromium)" env YUNYING_BIN="$(swift build --show-bin-path)/yunying" bash Tests/e2e/run.sh

echo
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
