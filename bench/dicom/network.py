#!/usr/bin/env python3
"""DICOM network benchmark: Yunying beside Orthanc (Debian) on the same synthetic studies, in one run, as ratios.

    swift build -c release --product yunying
    python3 bench/dicom/network.py --bin .build/release/yunying [--runs 3] [--out bench/results/dicom-network.md]

Data: ../shared/testdata/make_dataset.py — one patient with a 200-slice CT (512x512 int16) for store/move/get, and
20 more patients (small studies) loaded into both servers so C-FIND searches a populated index.
Measurements (median over --runs; every run stores fresh SOP Instance UIDs so nothing is a duplicate):
  C-STORE   the CT series with storescu on 1 association, and split over 4 concurrent associations: images/s, MB/s
  C-FIND    study-level query latency (pynetdicom, one association, 50 queries: a patient-name prefix wildcard)
  C-MOVE    the series to a storescp started here: images/s
  C-GET     the series with getscu: images/s
Yunying answers C-STORE only after fsync of the file and the index commit; Orthanc runs as Debian ships it. Orthanc and
every DCMTK tool get TCP_NODELAY=1: DCMTK otherwise leaves Nagle on and stalls ~40 ms per response.
The last column is Yunying's speed relative to Orthanc's (rates divided; for C-FIND, Orthanc's latency divided by
ours): above 1 means Yunying is faster.
"""
import argparse
import datetime
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "interop"))

import pydicom  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402

from netutil import free_port, wait_port  # noqa: E402
from orthanc import Orthanc  # noqa: E402

MAKE = ROOT.parent / "shared" / "testdata" / "make_dataset.py"
DCMTK = {name: f"/usr/bin/{name}" for name in ["storescu", "findscu", "movescu", "getscu", "storescp"]}
NODELAY = dict(os.environ, TCP_NODELAY="1")


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=NODELAY, **kw)


def timed(cmd):
    start = time.perf_counter()
    run(cmd)
    return time.perf_counter() - start


def fresh_copy(files, out):
    """The series with new study/series/instance UIDs, so each run stores new objects."""
    out.mkdir(parents=True)
    study, series = generate_uid(), generate_uid()
    copies = []
    for n, f in enumerate(files):
        ds = pydicom.dcmread(f)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        path = out / f"{n:04d}.dcm"
        ds.save_as(path)
        copies.append(path)
    return study, series, copies


def store_parallel(files, aet, port, associations):
    groups = [files[i::associations] for i in range(associations)]
    start = time.perf_counter()
    procs = [subprocess.Popen([DCMTK["storescu"], "-aet", "BENCH", "-aec", aet, "127.0.0.1", str(port), *map(str, g)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=NODELAY) for g in groups]
    for p in procs:
        assert p.wait() == 0
    return time.perf_counter() - start


def find_latency(aet, port, name_pattern, queries=50):
    import pynetdicom
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind
    ae = pynetdicom.AE(ae_title="BENCH")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    assoc = ae.associate("127.0.0.1", port, ae_title=aet)
    q = pydicom.Dataset()
    q.QueryRetrieveLevel = "STUDY"
    q.PatientName = name_pattern
    q.StudyInstanceUID = ""
    q.StudyDate = ""
    q.ModalitiesInStudy = ""
    times, matches = [], 0
    for _ in range(queries):
        start = time.perf_counter()
        matches = sum(1 for status, ds in assoc.send_c_find(q, StudyRootQueryRetrieveInformationModelFind) if status and status.Status in (0xFF00, 0xFF01))
        times.append(time.perf_counter() - start)
    assoc.release()
    return statistics.median(times), matches


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slices", type=int, default=200)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "dicom-network.md"))
    args = ap.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="yy-netbench-"))
    subprocess.run([sys.executable, str(MAKE), "--out", str(work / "ct"), "--patients", "1", "--ct-slices", str(args.slices),
                    "--modalities", "ct", "--jobs", "2"], check=True, capture_output=True)
    subprocess.run([sys.executable, str(MAKE), "--out", str(work / "population"), "--patients", "20", "--ct-slices", "2",
                    "--mr-slices", "2", "--jobs", "2", "--seed", "7"], check=True, capture_output=True)
    series = sorted(p for p in (work / "ct").rglob("*.dcm") if pydicom.dcmread(p, stop_before_pixels=True).get("ImageType", [""])[-1:] != ["LOCALIZER"]
                    and pydicom.dcmread(p, stop_before_pixels=True).Modality == "CT"
                    and pydicom.dcmread(p, stop_before_pixels=True).Rows == 512)[: args.slices]
    population = sorted((work / "population").rglob("*.dcm"))
    megabytes = sum(p.stat().st_size for p in series) / 1e6
    # A realistic query: the first letters of one patient's romanised name (Orthanc matches the whole PN string).
    name_pattern = str(pydicom.dcmread(population[0], stop_before_pixels=True).PatientName).split("=")[0][:3] + "*"

    dest_port = free_port()
    orthanc = Orthanc(modalities={"DEST": ("DEST", "127.0.0.1", dest_port), "BENCH": ("BENCH", "127.0.0.1", free_port())}).start()
    data = work / "yunying"
    data.mkdir()
    http, dicom = free_port(), free_port()
    env = dict(os.environ, YUNYING_DATA_DIR=str(data), YUNYING_HTTP_PORT=str(http), YUNYING_DICOM_PORT=str(dicom),
               YUNYING_ADMIN_PASSWORD="Bench#Yunying2026", YUNYING_DICOM_PEERS=f"DEST@127.0.0.1:{dest_port}", YUNYING_LOG_LEVEL="warning")
    server = subprocess.Popen([args.bin, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    storescp = subprocess.Popen([DCMTK["storescp"], "-aet", "DEST", "--ignore", str(dest_port)], env=NODELAY,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peers = {"Yunying": ("YUNYING", dicom), "Orthanc": (orthanc.aet, orthanc.dicom)}
    keys = ["store1", "store4", "find", "move", "get"]
    results = {name: {k: [] for k in keys} for name in peers}
    matches = {}
    try:
        wait_port(dicom)
        wait_port(dest_port)
        for aet, port in peers.values():
            run([DCMTK["storescu"], "-aet", "BENCH", "-aec", aet, "127.0.0.1", str(port), *map(str, population)])
        for r in range(args.runs):
            order = list(peers.items()) if r % 2 == 0 else list(reversed(peers.items()))  # alternate who goes first
            for name, (aet, port) in order:
                study, series_uid, one = fresh_copy(series, work / f"run{r}-{name}-1")
                results[name]["store1"].append(timed([DCMTK["storescu"], "-aet", "BENCH", "-aec", aet, "127.0.0.1", str(port), *map(str, one)]))
                _, _, four = fresh_copy(series, work / f"run{r}-{name}-4")
                results[name]["store4"].append(store_parallel(four, aet, port, 4))
                latency, matches[name] = find_latency(aet, port, name_pattern)
                results[name]["find"].append(latency)
                key = ["-k", "QueryRetrieveLevel=SERIES", "-k", f"StudyInstanceUID={study}", "-k", f"SeriesInstanceUID={series_uid}"]
                results[name]["move"].append(timed([DCMTK["movescu"], "-aet", "BENCH", "-aec", aet, "-aem", "DEST", "-S", *key, "127.0.0.1", str(port)]))
                got = work / f"get{r}-{name}"
                got.mkdir()
                results[name]["get"].append(timed([DCMTK["getscu"], "-aet", "BENCH", "-aec", aet, "-S", "-od", str(got), *key, "127.0.0.1", str(port)]))
                assert len(list(got.iterdir())) == len(series), f"{name}: C-GET returned {len(list(got.iterdir()))} of {len(series)}"
                for d in (one[0].parent, four[0].parent, got):
                    shutil.rmtree(d)
    finally:
        server.terminate()
        server.wait(timeout=20)
        storescp.terminate()
        orthanc.stop()
        shutil.rmtree(work, ignore_errors=True)

    n = len(series)
    med = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    y, o = med["Yunying"], med["Orthanc"]

    def rate_row(label, key):
        return (f"| {label} | {n / y[key]:.0f} img/s ({megabytes / y[key]:.0f} MB/s) | {n / o[key]:.0f} img/s ({megabytes / o[key]:.0f} MB/s) "
                f"| {o[key] / y[key]:.2f}× |")

    orthanc_version = subprocess.run(["/usr/sbin/Orthanc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    text = "\n".join([
        "# DICOM network: Yunying beside Orthanc",
        "",
        f"{datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores · {orthanc_version} · median of {args.runs} runs · "
        f"{n}-slice CT series ({megabytes:.0f} MB) · {len(population)} other objects of 20 patients loaded first",
        "",
        "| operation | Yunying | Orthanc | Yunying ÷ Orthanc speed |",
        "|---|---|---|---|",
        rate_row("C-STORE, 1 association", "store1"),
        rate_row("C-STORE, 4 associations", "store4"),
        f"| C-FIND study level, `PatientName={name_pattern}` ({matches.get('Yunying')} / {matches.get('Orthanc')} matches), per query | "
        f"{y['find'] * 1000:.1f} ms | {o['find'] * 1000:.1f} ms | {o['find'] / y['find']:.2f}× |",
        rate_row("C-MOVE of the series to storescp", "move"),
        rate_row("C-GET of the series (getscu)", "get"),
        "",
        "Yunying acknowledges each C-STORE after fsync of the file and the index commit (SQLite `synchronous=FULL`);",
        "Orthanc does not flush its files. Orthanc and every DCMTK tool run with TCP_NODELAY=1.",
        "",
    ])
    pathlib.Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
