#!/usr/bin/env python3
"""DICOMweb benchmark: Yunying beside Orthanc's DICOMweb plugin (Debian) on the same synthetic data, in one run, as ratios.

    swift build -c release --product yunying
    python3 bench/dicomweb/bench.py --bin .build/release/yunying [--runs 3] [--repeat 5] [--out bench/results/dicomweb.md]

Data: ../shared/testdata/make_dataset.py makes one patient with a 200-slice CT (512x512 int16, uncompressed); 5,000 more
single-instance studies (a 16x16 Secondary Capture each, varied names, dates and modalities) are written here with
pydicom so QIDO searches a populated index. Both sets are sent to both servers with DCMTK storescu (TCP_NODELAY=1).
Yunying gets `yunying demo` first and is read as the demo department head `head` with an API token (the bootstrap
`admin` has no study.view). Requests use one keep-alive `requests` session per server; each request is sent once as a
warm-up (and checked), then --repeat times per run; a run's value is the median of its repeats, the reported value the
median of --runs runs.
  QIDO-RS   GET /studies?limit=1000 with 5,001 studies; GET /studies?PatientName=<prefix>*&limit=1000
  WADO-RS   series /metadata of the 200-instance series; whole-series retrieve (multipart/related; type="application/dicom")
            in MB/s of response body; one frame (512 KB) as multipart/related; type="application/octet-stream"
            (transfer-syntax=* where the server takes it), with `Accept-Encoding: gzip` and with `identity`
  rendered  /rendered of the middle CT slice as image/png and image/jpeg
Every request except the `identity` frame carries requests' default `Accept-Encoding: gzip, deflate`, as a browser does;
the time includes reading (and inflating) the whole body. An endpoint our server does not serve yet (404, or the web
app's HTML fallback) is reported as n/a. The last column but one is Yunying's speed relative to Orthanc's (Orthanc's
latency divided by ours; for MB/s ours divided by Orthanc's): above 1 means Yunying is faster.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "interop"))

import pydicom  # noqa: E402
import requests  # noqa: E402
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid  # noqa: E402

import orthanc as orthanc_module  # noqa: E402
from netutil import wait_port  # noqa: E402
from orthanc import Orthanc  # noqa: E402

MAKE = ROOT.parent / "shared" / "testdata" / "make_dataset.py"
STORESCU = "/usr/bin/storescu"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
NODELAY = dict(os.environ, TCP_NODELAY="1")
PASSWORD = "Bench#Yunying2026"
DEMO_PASSWORD, READER, READER_PASSWORD = "Demo#2026pwA", "head", "Read#Yunying2026x"

SURNAMES = [("张", "Zhang"), ("李", "Li"), ("王", "Wang"), ("赵", "Zhao"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
            ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("欧阳", "Ouyang"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"),
            ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("罗", "Luo")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"), ("强", "Qiang"),
         ("磊", "Lei"), ("秀英", "Xiuying"), ("建国", "Jianguo"), ("子涵", "Zihan"), ("桂兰", "Guilan"), ("志明", "Zhiming")]
MODALITIES = ["CT", "MR", "DX", "CR", "US", "MG", "XA", "NM"]
NAME_PREFIX = "Ouyang"  # the QIDO name search: `PatientName=Ouyang*` (about 1/20 of the 5,000 studies)

FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
FRAME_ACCEPT_FALLBACK = 'multipart/related; type="application/octet-stream"'


def free_port(low=19000, high=19999):
    """A free loopback port in [low, high] (the range this machine leaves to benchmarks)."""
    for port in random.sample(range(low, high + 1), high - low + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port in {low}-{high}")


orthanc_module.free_port = free_port  # Orthanc() picks its ports with this too


def make_population(out, count, seed=5):
    """`count` single-instance studies (16x16 SC, a few hundred bytes of pixels), one patient each, written with pydicom."""
    out.mkdir(parents=True)
    rng = random.Random(seed)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.ConversionType = "WSD"
    ds.ReferringPhysicianName = "WANG^HUA"
    ds.InstitutionName = "示例人民医院"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes(range(256))
    start = datetime.date(2015, 1, 1)
    for i in range(count):
        (sc, sp), (gc, gp) = rng.choice(SURNAMES), rng.choice(GIVEN)
        modality = rng.choice(MODALITIES)
        day = (start + datetime.timedelta(days=rng.randrange(3650))).strftime("%Y%m%d")
        ds.PatientName = f"{sp}^{gp}={sc}^{gc}"
        ds.PatientID = f"Q{i:07d}"
        ds.PatientBirthDate = (datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 75))).strftime("%Y%m%d")
        ds.PatientSex = rng.choice("MF")
        ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = day
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = f"{rng.randrange(8, 18):02d}{rng.randrange(60):02d}00"
        ds.AccessionNumber = f"Q{i:09d}"
        ds.StudyID = str(i)
        ds.Modality = modality
        ds.StudyDescription = f"{modality} 检查 {i % 97}"
        ds.SeriesDescription = f"{modality} series"
        ds.save_as(out / f"{i:05d}.dcm", enforce_file_format=True)


def store(paths_or_dirs, aet, port, associations=2):
    """storescu over `associations` concurrent associations; each argument is a file or a folder (+sd scans it)."""
    groups = [paths_or_dirs[i::associations] for i in range(associations)]
    procs = [subprocess.Popen([STORESCU, "-aet", "BENCH", "-aec", aet, "+sd", "+r", "+sp", "*.dcm", "127.0.0.1", str(port), *map(str, g)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=NODELAY) for g in groups if g]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"storescu to {aet}:{port} failed: {err.decode(errors='replace')[-500:]}")


class NotServed(Exception):
    """The endpoint is not (yet) served: 404/405/501, or the web app's HTML fallback page."""


class Peer:
    def __init__(self, name, base, session):
        self.name, self.base, self.session = name, base.rstrip("/"), session

    def get(self, path, headers):
        """GET base+path and read the whole body, inflating it as the client would: (seconds, response, body bytes, bytes
        on the wire). The raw stream is inflated here so the compressed size is known whatever the framing (chunked)."""
        start = time.perf_counter()
        r = self.session.get(self.base + path, headers=headers, stream=True)
        encoding = r.headers.get("Content-Encoding", "identity").strip().lower()
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in ("gzip", "x-gzip", "deflate") else None
        size = wire = 0
        for chunk in r.raw.stream(1 << 20, decode_content=False):
            wire += len(chunk)
            size += len(inflate.decompress(chunk)) if inflate else len(chunk)
        if inflate:
            size += len(inflate.flush())
        elapsed = time.perf_counter() - start
        return elapsed, r, size, wire


def client_ceiling(work, size, samples):
    """MB/s at which this client reads a body of `size` bytes that a loopback server sends with sendfile(2) (page cache):
    what the series retrieve could show at best; near it, the client and not the server sets the pace."""
    blob = work / "ceiling.bin"
    with open(blob, "wb") as f:
        f.write(os.urandom(1 << 20) * (size >> 20))
    size = blob.stat().st_size
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n".encode()
    srv = socket.socket()
    port = free_port()
    srv.bind(("127.0.0.1", port))
    srv.listen()

    def serve():
        conn, _ = srv.accept()
        with conn, open(blob, "rb") as f:
            while conn.recv(65536):
                conn.sendall(head)
                conn.sendfile(f, 0)
                f.seek(0)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    peer = Peer("ceiling", f"http://127.0.0.1:{port}", requests.Session())
    peer.get("/", {})
    rates = [n / e for e, _, n, _ in (peer.get("/", {}) for _ in range(samples))]
    peer.session.close()
    thread.join(timeout=5)
    srv.close()
    return statistics.median(rates)


def yunying_session(http):
    """A reader's keep-alive session. The bootstrap `admin` has no study.view (separation of duties), so the bench reads as
    the demo department head (study.view, scoped to the city hospital, which also sees studies of unknown senders), after
    the first-login password change, with an API token as a machine client would use; the session cookie is the fallback."""
    base = f"http://127.0.0.1:{http}"
    s = requests.Session()
    r = s.post(f"{base}/api/auth/login", json={"username": READER, "password": DEMO_PASSWORD})
    r.raise_for_status()
    csrf = {"X-CSRF-Token": r.json().get("csrfToken") or ""}
    if r.json()["user"].get("passwordChangeRequired"):
        c = s.post(f"{base}/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": READER_PASSWORD}, headers=csrf)
        c.raise_for_status()
    t = s.post(f"{base}/api/me/tokens", json={"name": "dicomweb-bench", "expiresInDays": 1}, headers=csrf)
    if t.ok and t.json().get("token"):
        s.cookies.clear()
        s.headers["Authorization"] = f"Bearer {t.json()['token']}"
        print(f"Yunying: reading as {READER} with an API token (Authorization: Bearer)", flush=True)
    else:
        print(f"Yunying: reading as {READER} with the session cookie (token: HTTP {t.status_code})", flush=True)
    return s


def tests(ct, population_count):
    """(key, label, path, headers, check) for every measured request; check(response, body size) → note or raises."""
    s, se, i = ct["study"], ct["series"], ct["instance"]
    json_accept = {"Accept": "application/dicom+json"}

    def qido(expect=None):
        def check(r, body):
            n = len(json.loads(body))
            if expect is not None and n != expect:
                raise RuntimeError(f"{n} results, expected {expect}")
            return f"{n} results"
        return check

    def metadata(r, body):
        n = len(json.loads(body))
        if n != ct["count"]:
            raise RuntimeError(f"{n} instances in /metadata, expected {ct['count']}")
        return f"{n} instances"

    def series(r, body):
        boundary = r.headers["Content-Type"].split("boundary=")[1].split(";")[0].strip().strip('"').encode()
        n = body.count(b"--" + boundary) - 1
        if n != ct["count"]:
            raise RuntimeError(f"{n} parts, expected {ct['count']}")
        return f"{n} parts"

    def frame(r, body):
        if len(body) < 512 * 512 * 2:
            raise RuntimeError(f"frame answer has {len(body)} bytes")
        return r.headers.get("Content-Type", "").split("; boundary")[0]

    def image(kind):
        def check(r, body):
            if not r.headers.get("Content-Type", "").startswith(kind):
                raise RuntimeError(f"content type {r.headers.get('Content-Type')}, expected {kind}")
            return f"{len(body) // 1024} KB"
        return check

    inst = f"/studies/{s}/series/{se}/instances/{i}"
    return [
        ("qido", f"QIDO-RS `/studies?limit=1000`, {population_count + 1:,} studies", "/studies?limit=1000", json_accept, qido(1000)),
        ("qido_name", f"QIDO-RS `/studies?PatientName={NAME_PREFIX}*&limit=1000`", f"/studies?PatientName={NAME_PREFIX}*&limit=1000",
         json_accept, qido()),
        ("metadata", f"WADO-RS series `/metadata`, {ct['count']} instances", f"/studies/{s}/series/{se}/metadata", json_accept, metadata),
        ("series", f"WADO-RS series retrieve, {ct['count']} instances (`application/dicom`)", f"/studies/{s}/series/{se}",
         {"Accept": 'multipart/related; type="application/dicom"'}, series),
        ("frame_gzip", "one frame (512 KB), `Accept-Encoding: gzip`", f"{inst}/frames/1", {"Accept": FRAME_ACCEPT}, frame),
        ("frame_plain", "one frame (512 KB), `Accept-Encoding: identity`", f"{inst}/frames/1",
         {"Accept": FRAME_ACCEPT, "Accept-Encoding": "identity"}, frame),
        ("rendered_png", "`/rendered` of one CT instance, `image/png`", f"{inst}/rendered", {"Accept": "image/png"}, image("image/png")),
        ("rendered_jpeg", "`/rendered` of one CT instance, `image/jpeg`", f"{inst}/rendered", {"Accept": "image/jpeg"}, image("image/jpeg")),
    ]


def warm_up(peer, path, headers, check):
    """Send the request once and check the answer. Returns (headers to time with, note); raises NotServed."""
    def attempt(h):
        start = time.perf_counter()
        r = peer.session.get(peer.base + path, headers=h)
        return time.perf_counter() - start, r

    elapsed, r = attempt(headers)
    if r.status_code in (400, 406, 415) and headers.get("Accept") == FRAME_ACCEPT:
        headers = dict(headers, Accept=FRAME_ACCEPT_FALLBACK)  # a server that does not take transfer-syntax=*
        elapsed, r = attempt(headers)
    ctype = r.headers.get("Content-Type", "")
    if r.status_code in (404, 405, 501) or (r.ok and ctype.startswith("text/html")):
        raise NotServed(f"HTTP {r.status_code}" + (" (HTML)" if ctype.startswith("text/html") else ""))
    if not r.ok:
        raise NotServed(f"HTTP {r.status_code}: {r.text[:200]!r}")
    note = check(r, r.content)
    wire = r.headers.get("Content-Encoding", "identity")
    return headers, note, wire, elapsed


def ct_series(work):
    subprocess.run([sys.executable, str(MAKE), "--out", str(work / "ct"), "--patients", "1", "--ct-slices", "200",
                    "--modalities", "ct", "--jobs", "2"], check=True, capture_output=True)
    manifest = json.loads((work / "ct" / "manifest.json").read_text())
    study = manifest["patients"][0]["studies"][0]
    series = max(study["series"], key=lambda x: len(x["instances"]))
    paths = [work / "ct" / x["path"] for x in series["instances"]]
    middle = series["instances"][len(series["instances"]) // 2]
    return {"study": study["StudyInstanceUID"], "series": series["SeriesInstanceUID"], "instance": middle["SOPInstanceUID"],
            "count": len(paths), "bytes": sum(p.stat().st_size for p in paths), "dir": work / "ct"}


def start_orthanc():
    orthanc = Orthanc()
    config = json.loads(pathlib.Path(orthanc.config).read_text())
    # As Debian ships it (/etc/orthanc/orthanc.json, dicomweb.json): HTTP compression and keep-alive on, plugin defaults.
    config.update({"Plugins": [DICOMWEB_PLUGIN], "HttpCompressionEnabled": True, "KeepAlive": True,
                   "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True, "Ssl": False}})
    pathlib.Path(orthanc.config).write_text(json.dumps(config))
    orthanc.start()
    wait_port(orthanc.http)
    return orthanc


def version(package):
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True).stdout or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "yunying"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5, help="timed requests per endpoint and run (median)")
    ap.add_argument("--studies", type=int, default=5000, help="single-instance studies loaded for QIDO")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "dicomweb.md"))
    args = ap.parse_args()
    if not os.path.exists(DICOMWEB_PLUGIN):
        sys.exit(f"{DICOMWEB_PLUGIN} missing: apt-get install orthanc-dicomweb (scripts/install-deps.sh test)")

    began = time.perf_counter()
    phases = {}
    work = pathlib.Path(tempfile.mkdtemp(prefix="yy-dwbench-"))
    orthanc = server = None
    try:
        t = time.perf_counter()
        ct = ct_series(work)
        make_population(work / "population", args.studies)
        phases["data"] = time.perf_counter() - t

        orthanc = start_orthanc()
        data = work / "yunying"
        data.mkdir()
        http, dicom = free_port(), free_port()
        env = dict(os.environ, YUNYING_DATA_DIR=str(data), YUNYING_HTTP_PORT=str(http), YUNYING_DICOM_PORT=str(dicom),
                   YUNYING_ADMIN_PASSWORD=PASSWORD, YUNYING_LOG_LEVEL="warning")
        subprocess.run([args.bin, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
        server = subprocess.Popen([args.bin, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(dicom)
        wait_port(http)

        for name, aet, port in [("Yunying", "YUNYING", dicom), ("Orthanc", orthanc.aet, orthanc.dicom)]:
            t = time.perf_counter()
            store([ct["dir"], *sorted((work / "population").iterdir())], aet, port)
            phases[f"load {name}"] = time.perf_counter() - t

        peers = {"Yunying": Peer("Yunying", f"http://127.0.0.1:{http}/dicomweb", yunying_session(http)),
                 "Orthanc": Peer("Orthanc", f"http://127.0.0.1:{orthanc.http}/dicom-web", requests.Session())}
        plan = tests(ct, args.studies)
        ready = {}   # (peer, key) → headers to time with
        notes = {}   # (peer, key) → text shown beside the value
        for name, peer in peers.items():
            for key, _, path, headers, check in plan:
                try:
                    h, note, wire, first = warm_up(peer, path, headers, check)
                    ready[name, key] = h
                    notes[name, key] = note
                    print(f"{name:8} {key:14} warm-up {first * 1000:8.1f} ms  Content-Encoding: {wire}  {note}", flush=True)
                except (NotServed, RuntimeError, ValueError, requests.RequestException) as e:
                    notes[name, key] = f"n/a ({e})" if not isinstance(e, NotServed) or "HTTP 404" not in str(e) else "n/a"
                    print(f"{name:8} {key:14} {notes[name, key]}", flush=True)

        t = time.perf_counter()
        results = {(name, key): [] for name in peers for key, *_ in plan}
        wire_bytes = {}
        for r in range(args.runs):
            order = list(peers.items()) if r % 2 == 0 else list(reversed(peers.items()))  # alternate who goes first
            for name, peer in order:
                for key, _, path, _, _ in plan:
                    if (name, key) not in ready:
                        continue
                    samples = []
                    for _ in range(args.repeat):
                        elapsed, resp, size, wire = peer.get(path, ready[name, key])
                        if resp.status_code != 200:
                            raise RuntimeError(f"{name} {key}: HTTP {resp.status_code}")
                        samples.append(size / elapsed if key == "series" else elapsed)
                        wire_bytes[name, key] = (size, wire)
                    results[name, key].append(statistics.median(samples))
        ceiling = client_ceiling(work, ct["bytes"], max(3, args.repeat))
        phases["measure"] = time.perf_counter() - t
    finally:
        if server:
            server.terminate()
            server.wait(timeout=20)
        if orthanc:
            orthanc.stop()
        shutil.rmtree(work, ignore_errors=True)

    goals = {"qido": ("≤ 100 ms", 0.100), "qido_name": ("≤ 100 ms", 0.100), "metadata": ("≤ 15 ms", 0.015),
             "series": ("≥ 1.5× Orthanc", None), "frame_gzip": ("≤ 10 ms", 0.010), "frame_plain": ("≤ 10 ms", 0.010),
             "rendered_png": ("≤ 10 ms", 0.010), "rendered_jpeg": ("≤ 10 ms", 0.010)}
    med = {k: statistics.median(v) for k, v in results.items() if v}

    def cell(name, key):
        if (name, key) not in med:
            return notes.get((name, key), "n/a")
        v = med[name, key]
        text = f"{v / 1e6:.0f} MB/s" if key == "series" else f"{v * 1000:.1f} ms"
        size, wire = wire_bytes[name, key]
        extra = [notes[name, key]] if key.startswith("qido") or key == "metadata" else []
        if wire != size:
            extra.append(f"{wire // 1024} KB compressed on the wire" if key.startswith("frame") else "compressed on the wire")
        return text + (f" ({'; '.join(extra)})" if extra else "")

    rows = []
    for key, label, *_ in plan:
        y, o = med.get(("Yunying", key)), med.get(("Orthanc", key))
        ratio = "n/a" if y is None or o is None else f"{(y / o if key == 'series' else o / y):.2f}×"
        goal, limit = goals[key]
        met = "" if y is None else (" ✓" if (y / o >= 1.5 if limit is None and o else limit is not None and y <= limit) else " ✗")
        rows.append(f"| {label} | {cell('Yunying', key)} | {cell('Orthanc', key)} | {ratio} | {goal}{met} |")

    orthanc_version = subprocess.run(["/usr/sbin/Orthanc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    total = time.perf_counter() - began
    fallbacks = [n for n in peers if ready.get((n, "frame_plain"), {}).get("Accept") == FRAME_ACCEPT_FALLBACK]
    frame_accept = f"`Accept: {FRAME_ACCEPT}`" + (f" ({', '.join(fallbacks)} refused `transfer-syntax=*` and got it without)" if fallbacks else "")
    text = "\n".join([
        "# DICOMweb: Yunying beside Orthanc",
        "",
        f"{datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores · {orthanc_version} with orthanc-dicomweb "
        f"{version('orthanc-dicomweb')} · median of {args.runs} runs × {args.repeat} requests · {ct['count']}-slice CT series "
        f"({ct['bytes'] / 1e6:.0f} MB, 512×512 int16, Explicit VR Little Endian) and {args.studies:,} single-instance studies",
        "",
        "| request | Yunying | Orthanc | Yunying ÷ Orthanc speed | goal (Yunying) |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"One keep-alive HTTP/1.1 connection per server (python `requests`), each request warmed up once. Frames asked with "
        f"{frame_accept}; every request but the `identity` frame allows gzip/deflate, and times include reading and "
        "inflating the whole body; MB/s counts response body bytes (10⁶). Orthanc runs with the Debian defaults that matter "
        "here: `HttpCompressionEnabled` and `KeepAlive` on, the plugin as shipped (`SeriesMetadata` `Full`: series "
        "`/metadata` reads every file). Orthanc compresses every answer but the series stream when the client allows it, "
        "frames and PNG included.",
        f"This client reads a body of the series' size from a loopback server that sends it with sendfile(2) at "
        f"{ceiling / 1e6:.0f} MB/s: a series rate near that is limited by the client, not the server.",
        f"Whole bench {total / 60:.1f} min: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()) + ".",
        "",
    ])
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
