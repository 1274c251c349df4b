"""Shared by bench/viewer/bench.py and bench/viewer/concurrent.py: the server binary, synthetic CT data, storescu,
the reader's sign-in, and the viewer's request headers."""
import json
import os
import pathlib
import random
import socket
import subprocess
import sys
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAKE = ROOT.parent / "shared" / "testdata" / "make_dataset.py"
STORESCU = "/usr/bin/storescu"
NODELAY = dict(os.environ, TCP_NODELAY="1")
ADMIN_PASSWORD = "Bench#Yunying2026"
DEMO_PASSWORD, READER, READER_PASSWORD = "Demo#2026pwA", "head", "Read#Yunying2026x"

# What the viewer sends (Web/lib/viewer/dicomweb.js FRAME_ACCEPT, getJson) and what Chromium adds.
FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1'
JSON_ACCEPT = "application/dicom+json"
BROWSER_ENCODING = "gzip, deflate, br, zstd"


def free_port(low=19900, high=19949):
    """A free loopback port in [low, high] (the range left to this benchmark)."""
    for port in random.sample(range(low, high + 1), high - low + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port in {low}-{high}")


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} not listening")


def pick_binary(explicit=None):
    """--bin if given, else the release build if present, else the debug build: (path, 'release' | 'debug' | 'given')."""
    if explicit:
        return explicit, "release" if "/release/" in explicit else "debug" if "/debug/" in explicit else "given"
    for kind in ("release", "debug"):
        path = ROOT / ".build" / kind / "yunying"
        if os.access(path, os.X_OK):
            return str(path), kind
    sys.exit("no .build/release/yunying or .build/debug/yunying: build it first (swift build -c release --product yunying)")


def make_ct(out, patients=1, slices=200):
    """make_dataset.py CT studies (a localizer and `slices` axial 512x512 int16 slices each, Explicit VR LE) → one dict
    per patient: study, axial series, its files in instance order, and the folder to send."""
    subprocess.run([sys.executable, str(MAKE), "--out", str(out), "--patients", str(patients), "--ct-slices", str(slices),
                    "--modalities", "ct", "--jobs", "2"], check=True, capture_output=True)
    manifest = json.loads((pathlib.Path(out) / "manifest.json").read_text())
    result = []
    for p in manifest["patients"]:
        study = p["studies"][0]
        series = max(study["series"], key=lambda x: len(x["instances"]))
        files = [pathlib.Path(out) / x["path"] for x in series["instances"]]
        result.append({"study": study["StudyInstanceUID"], "series": series["SeriesInstanceUID"],
                       "sops": [x["SOPInstanceUID"] for x in series["instances"]], "files": files,
                       "bytes": sum(f.stat().st_size for f in files)})
    return result


def store(folders, port, associations=2):
    """DCMTK storescu over `associations` concurrent associations (+sd scans each folder), TCP_NODELAY=1."""
    groups = [folders[i::associations] for i in range(associations)]
    procs = [subprocess.Popen([STORESCU, "-aet", "BENCH", "-aec", "YUNYING", "+sd", "+r", "+sp", "*.dcm", "127.0.0.1", str(port),
                               *map(str, g)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=NODELAY) for g in groups if g]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"storescu failed: {err.decode(errors='replace')[-500:]}")


class Server:
    """`yunying demo` then `yunying serve` on free ports in 19900-19949 with its own data folder."""

    def __init__(self, binary, data):
        self.binary, self.data = binary, pathlib.Path(data)
        self.http, self.dicom = free_port(), free_port()
        while self.dicom == self.http:
            self.dicom = free_port()
        self.base = f"http://127.0.0.1:{self.http}"
        self.proc = None

    def start(self):
        self.data.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, YUNYING_DATA_DIR=str(self.data), YUNYING_HTTP_PORT=str(self.http), YUNYING_DICOM_PORT=str(self.dicom),
                   YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_LOG_LEVEL="warning", YUNYING_WEB_DIR=str(ROOT / "Web"))
        subprocess.run([self.binary, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True, cwd=ROOT)
        self.log = open(self.data / "server.log", "a")
        self.proc = subprocess.Popen([self.binary, "serve"], env=env, stdout=self.log, stderr=self.log, cwd=ROOT)
        wait_port(self.dicom)
        wait_port(self.http)
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.log.close()


def reader_password(base):
    """The demo department head `head` (study.view; the bootstrap admin has none) changes the first-login password once."""
    s = requests.Session()
    r = s.post(f"{base}/api/auth/login", json={"username": READER, "password": DEMO_PASSWORD})
    r.raise_for_status()
    if r.json()["user"].get("passwordChangeRequired"):
        c = s.post(f"{base}/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": READER_PASSWORD},
                   headers={"X-CSRF-Token": r.json().get("csrfToken") or ""})
        c.raise_for_status()
    s.close()
    return READER_PASSWORD


def wait_indexed(base, password, series_list, timeout=60):
    """Until QIDO-RS and WADO-RS /metadata answer every stored instance of every series (as `head`)."""
    s = requests.Session()
    s.post(f"{base}/api/auth/login", json={"username": READER, "password": password}).raise_for_status()
    deadline = time.time() + timeout
    for x in series_list:
        while True:
            r = s.get(f"{base}/dicomweb/studies/{x['study']}/series/{x['series']}/metadata", headers={"Accept": JSON_ACCEPT})
            if r.ok and len(r.json()) == len(x["files"]):
                break
            if time.time() > deadline:
                raise RuntimeError(f"series {x['series']} not fully indexed after {timeout} s: HTTP {r.status_code}")
            time.sleep(0.2)
    s.close()


TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS  # ppid, utime + stime in seconds


def process_tree(root):
    """root and its descendants now."""
    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                parents[int(d)] = _stat(d)[0]
            except (OSError, IndexError, ValueError):
                pass
    tree, grew = {root}, True
    while grew:
        more = {p for p, pp in parents.items() if pp in tree and p not in tree}
        tree |= more
        grew = bool(more)
    return tree


def cpu_seconds(pids):
    """CPU seconds (user + system) used so far by these processes, {pid: seconds}."""
    out = {}
    for pid in pids:
        try:
            out[pid] = _stat(pid)[1]
        except (OSError, IndexError, ValueError):
            pass
    return out


def process_kind(pid):
    """chromedriver, browser, renderer, gpu, network, utility, … from the command line."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().decode(errors="replace").replace("\0", " ").split()  # zygote children rewrite argv into one string
    except OSError:
        return "gone"
    if "chromedriver" in args[0]:
        return "chromedriver"
    kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), None)
    if kind is None:
        return "browser"
    if kind == "utility":
        sub = next((a.split("=", 1)[1] for a in args if a.startswith("--utility-sub-type=")), "")
        return "network" if "network" in sub.lower() else "utility"
    return {"gpu-process": "gpu"}.get(kind, kind)


def machine_cpu():
    """Busy CPU seconds of the whole machine so far (all cores, /proc/stat, idle and iowait left out)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICKS


def rss_mb(pid):
    """(current RSS, peak RSS) of a process in MB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def git_revision():
    r = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "Web"], capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + (" (Web/ with uncommitted changes)" if dirty else "")
