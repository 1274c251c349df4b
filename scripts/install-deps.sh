#!/usr/bin/env bash
# Installs what Yunying needs from Debian (and, for the test suite, PyPI), skipping what is present.
#   scripts/install-deps.sh run    → what the server needs to build and run
#   scripts/install-deps.sh test   → that, plus PostgreSQL, Chromium, chromedriver, TypeScript, DCMTK, Orthanc, selenium
set -euo pipefail
mode=${1:-run}
run_pkgs=(libxlsxwriter-dev libsqlite3-dev zlib1g-dev pkg-config libcharls-dev libopenjp2-7-dev libturbojpeg0-dev libgdcm-dev curl ca-certificates)
test_pkgs=(postgresql chromium chromium-driver node-typescript nodejs python3-pip python3-requests fonts-noto-cjk dcmtk zbar-tools dicom3tools openjph-tools orthanc orthanc-dicomweb openssl python3-swift libjpeg-turbo-progs)
want=("${run_pkgs[@]}")
[ "$mode" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" = test ]; then
    python3 -c 'import selenium, pytest, pydicom, pynetdicom, numpy, jpeg_ls, pylibjpeg, libjpeg, openjpeg, dicomweb_client, PIL' 2>/dev/null ||
        python3 -m pip install --quiet --disable-pip-version-check selenium pytest numpy 'pydicom>=3,<4' pynetdicom pyjpegls pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg dicomweb-client pillow
fi

if ! command -v swift >/dev/null; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "add /opt/swift/usr/bin to PATH" >&2
    else
        echo "Swift 6 toolchain not found: install it from swift.org (Debian does not package it) and put it on PATH" >&2
    fi
    exit 1
fi
