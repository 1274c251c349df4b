#!/usr/bin/env bash
# One command: install what is missing, build, load demo data into the embedded SQLite store, and serve.
# Prints the URL and, on the first start, the administrator password.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
echo "building Yunying (the first build takes several minutes)…"
swift build --product yunying 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -n 3
bin=$(swift build --show-bin-path)/yunying
export YUNYING_DATA_DIR=${YUNYING_DATA_DIR:-./data}
"$bin" demo --studies
host=${YUNYING_HTTP_HOST:-127.0.0.1}
port=${YUNYING_HTTP_PORT:-8080}
echo
echo "云影 Yunying: http://$host:$port/   (Ctrl-C stops it)"
echo "demo users must change the shared initial password printed above at first login; admin's password is printed above on the first start"
exec "$bin" serve
