#!/usr/bin/env python3
"""Parse and codec benchmark: Yunying beside DCMTK on the same files, in the same run, reported as ratios.

    swift build -c release --product dicomtool      # the `yunying dicom` commands without the server
    python3 bench/dicom_bench.py --bin .build/release/dicomtool [--runs 15] [--out bench/results/dicom.md]

Files: one 512x512 CT slice (int16) and one 2048x2500 DX (12-bit) from shared/testdata/make_dataset.py, and their
JPEG-LS, RLE and JPEG lossless (SV1) versions made by DCMTK. Each measurement is the median wall time of the whole
command (process start included, for both tools) over --runs runs. Ratio = Yunying / DCMTK: below 1 is faster.
"""
import argparse
import datetime
import json
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
MAKE = HERE.parent.parent / "shared" / "testdata" / "make_dataset.py"


def median_time(cmd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--out", default=str(HERE / "results" / "dicom.md"))
    args = ap.parse_args()
    for tool in ("dcmdump", "dcmcjpls", "dcmdjpls", "dcmcrle", "dcmdrle", "dcmcjpeg", "dcmdjpeg"):
        if not shutil.which(tool):
            sys.exit(f"{tool} missing: apt-get install dcmtk")
    work = pathlib.Path(tempfile.mkdtemp(prefix="yy-bench-"))
    subprocess.run([sys.executable, str(MAKE), "--out", str(work / "ds"), "--modalities", "ct,dx", "--ct-slices", "100"],
                   check=True, stdout=subprocess.DEVNULL)
    manifest = json.loads((work / "ds" / "manifest.json").read_text())
    paths = [pathlib.Path(work / "ds" / inst["path"]) if not pathlib.Path(inst["path"]).is_absolute() else pathlib.Path(inst["path"])
             for p in manifest["patients"] for st in p["studies"] for se in st["series"] for inst in se["instances"]]
    import pydicom
    ct = next(p for p in paths if pydicom.dcmread(p, stop_before_pixels=True).get("Rows") == 512
              and pydicom.dcmread(p, stop_before_pixels=True).Modality == "CT")
    dx = next(p for p in paths if pydicom.dcmread(p, stop_before_pixels=True).Modality in ("DX", "CR"))
    rows = []
    out = work / "out.dcm"
    B = [args.bin] if args.bin.endswith("dicomtool") else [args.bin, "dicom"]
    # Parsing throughput: one process dumps a whole CT series, so process start-up is amortised for both tools.
    series = sorted(p for p in paths if pydicom.dcmread(p, stop_before_pixels=True).get("Rows") == 512
                    and pydicom.dcmread(p, stop_before_pixels=True).Modality == "CT")
    median_time(B + ["dump", *map(str, series)], 2), median_time(["dcmdump", *map(str, series)], 2)
    a, b = median_time(B + ["dump", *map(str, series)], args.runs), median_time(["dcmdump", *map(str, series)], args.runs)
    rows.append((f"CT series, {len(series)} files", "parse + dump, one process", a * 1000, b * 1000, a / b))
    print(f"{rows[-1][0]:22} {rows[-1][1]:34} yunying {a*1000:8.1f} ms   dcmtk {b*1000:8.1f} ms   ratio {a/b:5.2f}", flush=True)
    # Parsing alone: both read every header element and print only the patient's name (dcmdump +P).
    ours, theirs = B + ["dump", "--search", "0010,0010", *map(str, series)], ["dcmdump", "+P", "0010,0010", *map(str, series)]
    median_time(ours, 2), median_time(theirs, 2)
    a, b = median_time(ours, args.runs), median_time(theirs, args.runs)
    rows.append((f"CT series, {len(series)} files", "parse headers only (+P search)", a * 1000, b * 1000, a / b))
    print(f"{rows[-1][0]:22} {rows[-1][1]:34} yunying {a*1000:8.1f} ms   dcmtk {b*1000:8.1f} ms   ratio {a/b:5.2f}", flush=True)
    start_ours = median_time(B + ["--help"], args.runs)
    start_theirs = median_time(["dcmdump", "--version"], args.runs)
    rows.append(("process start", "`--help` / `--version`", start_ours * 1000, start_theirs * 1000, start_ours / start_theirs))
    for label, src in (("CT 512×512 16-bit", ct), ("DX 2048×2500 12-bit", dx)):
        jls, rle, ljpeg = work / "in.jls.dcm", work / "in.rle.dcm", work / "in.ljpeg.dcm"
        subprocess.run(["dcmcjpls", str(src), str(jls)], check=True)
        subprocess.run(["dcmcrle", str(src), str(rle)], check=True)
        subprocess.run(["dcmcjpeg", "+e1", str(src), str(ljpeg)], check=True)
        cases = [
            ("parse (dump header and elements)", B + ["dump", str(src)], ["dcmdump", str(src)]),
            ("JPEG-LS decode", B + ["transcode", "--to", "explicit", str(jls), str(out)], ["dcmdjpls", str(jls), str(out)]),
            ("JPEG-LS encode", B + ["transcode", "--to", "jpegls", str(src), str(out)], ["dcmcjpls", str(src), str(out)]),
            ("RLE decode", B + ["transcode", "--to", "explicit", str(rle), str(out)], ["dcmdrle", str(rle), str(out)]),
            ("RLE encode", B + ["transcode", "--to", "rle", str(src), str(out)], ["dcmcrle", str(src), str(out)]),
            ("JPEG lossless SV1 decode", B + ["transcode", "--to", "explicit", str(ljpeg), str(out)], ["dcmdjpeg", str(ljpeg), str(out)]),
            ("JPEG lossless SV1 encode", B + ["transcode", "--to", "jpeg-lossless", str(src), str(out)], ["dcmcjpeg", "+e1", str(src), str(out)]),
        ]
        for name, ours, theirs in cases:
            median_time(ours, 2), median_time(theirs, 2)  # warm the page cache
            a, b = median_time(ours, args.runs), median_time(theirs, args.runs)
            rows.append((label, name, a * 1000, b * 1000, a / b))
            print(f"{label:22} {name:34} yunying {a*1000:8.1f} ms   dcmtk {b*1000:8.1f} ms   ratio {a/b:5.2f}", flush=True)
    dcmtk = subprocess.run(["dcmdump", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    dcmtk = dcmtk.replace("$dcmtk:", "").replace("$", "").strip()
    lines = [
        "# DICOM parse and codec benchmark", "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {args.runs} runs each, "
        f"median wall time per command (process start included for both). Peer: {dcmtk}. Ratio = Yunying ÷ DCMTK (below 1 = faster).",
        "", "| image | operation | Yunying ms | DCMTK ms | ratio |", "|---|---|---|---|---|",
    ]
    lines += [f"| {l} | {n} | {a:.1f} | {b:.1f} | {r:.2f} |" for l, n, a, b, r in rows]
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
