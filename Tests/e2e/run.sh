#!/usr/bin/env bash
# Run the browser end-to-end tests against a freshly seeded server.
# Uses the binary at .build/debug/yunying (or $YUNYING_BIN); does not build it.
#   bash Tests/e2e/run.sh [pytest args…]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${YUNYING_BIN:-$top/.build/debug/yunying}
[ -x "$bin" ] || { echo "no server binary at $bin (build it first: swift build)" >&2; exit 2; }

data=$(mktemp -d)
port=${YUNYING_E2E_PORT:-18089}
# Its own DICOM port too, so that a server already running on the default 11112 does not get in the way
# (test_dicom_nodes.py reads the port from /api/dicom/status and sends C-FIND / C-MOVE to it).
dicom_port=${YUNYING_E2E_DICOM_PORT:-11189}
export YUNYING_DATA_DIR=$data YUNYING_HTTP_PORT=$port YUNYING_DICOM_PORT=$dicom_port YUNYING_WEB_DIR=$top/Web
# The bootstrap password must pass the default policy (and must not contain the user name "admin").
export YUNYING_ADMIN_PASSWORD=${YUNYING_E2E_ADMIN_PASSWORD:-E2e#Yunying2026}
export YUNYING_E2E_ADMIN_PASSWORD=$YUNYING_ADMIN_PASSWORD
# The demo users' initial password (each must change it at first login; test_archive_pages.py signs in as `head`).
export YUNYING_DEMO_PASSWORD=${YUNYING_E2E_DEMO_PASSWORD:-Demo#2026pwA}
export YUNYING_E2E_DEMO_PASSWORD=$YUNYING_DEMO_PASSWORD
export YUNYING_E2E_URL=http://127.0.0.1:$port
# Studies of these modalities that match no exam are registered automatically (补登记); test_archive_matching.py
# reads the same variable to know what to expect. Set it empty to test the server without automatic registration.
export YUNYING_AUTO_REGISTER=${YUNYING_AUTO_REGISTER-CT}

"$bin" demo >"$data/demo.log" 2>&1
"$bin" serve >"$data/serve.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$YUNYING_E2E_URL/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$YUNYING_E2E_URL/healthz" >/dev/null || { echo "server did not start:" >&2; cat "$data/serve.log" >&2; exit 1; }

cd "$top"
python3 -m pytest -q Tests/e2e "$@"
