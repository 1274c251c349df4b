#!/usr/bin/env python3
"""Concurrent readers (VIEW-39): 50 simulated viewers reading CT series from one Yunying server at the same time.

    python3 bench/viewer/concurrent.py [--bin .build/release/yunying] [--viewers 50] [--out bench/results/viewer.md]

Server and data as in bench.py: the prebuilt release binary if present (else debug; the results say which), `yunying
demo`, then make_dataset.py CT studies (--series of them, --slices axial 512x512 int16 slices each, Explicit VR Little
Endian) sent with DCMTK storescu. All files are in the page cache (just written; the machine has far more memory).
Each viewer is python `requests` on its own keep-alive connection(s) and its own session: all sign in at once as the demo
department head `head` (one user, 50 sessions, bcrypt cost 10 as in production; creating 50 accounts would add the
first-login password changes and nothing the frame path sees: every request is checked against its own session, the
user's permission and scope). Viewer k reads series k mod --series from slice (7k mod n) on, in the viewer's order,
with the viewer's headers: `Accept: application/dicom+json` for /metadata, `Accept: multipart/related;
type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1` for frames, `Accept-Encoding: gzip, deflate, br,
zstd` (Chromium's). Bodies are read whole but not inflated (a real viewer inflates on its own machine); every response
must be 200 with a gzip multipart body, and one frame in 25 is inflated and checked (>= 512x512x2 bytes). Two phases:
  open    every viewer opens its series at the same moment and fetches /metadata, then every frame with 4 requests in
          flight, as the viewer's 4 workers do: the burst when 50 readers open a study together. Per-viewer time to the
          whole series, frame latency, throughput.
  scroll  every viewer shows one slice after the other at --fps (20 frames/s), one request at a time, for --seconds:
          reading at scrolling speed with nothing prefetched. Frame latency and the frame rate each viewer achieved.
Latency is from sending the request to the last byte of the body. Server CPU from /proc/<pid>/stat (of the machine's
2 cores; the client runs on the same cores and its own CPU is reported too), RSS sampled every 0.25 s and VmHWM.
"""
# This folder holds concurrent.py, which must not hide the standard library's `concurrent` package: the folder goes
# after the standard library on the path, before anything is imported.
import pathlib  # noqa: E402
import sys  # noqa: E402

_here = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _here] + [str(_here)]

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import tempfile
import threading
import time
import zlib

import requests

from common import (BROWSER_ENCODING, FRAME_ACCEPT, JSON_ACCEPT, READER, ROOT, Server, cpu_seconds, git_revision,  # noqa: E402
                    make_ct, pick_binary, reader_password, rss_mb, store, wait_indexed)
from results import write_section  # noqa: E402

FRAME_BYTES = 512 * 512 * 2


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * (len(v) - 1))))]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.frames, self.meta, self.errors, self.wire = [], [], [], 0
        self.per_viewer = {}

    def frame(self, latency, wire):
        with self.lock:
            self.frames.append(latency)
            self.wire += wire

    def error(self, what):
        with self.lock:
            self.errors.append(what)


class Viewer:
    def __init__(self, k, base, cookie, series):
        self.k, self.base, self.series = k, base, series
        self.n = len(series["sops"])
        self.start_index = (7 * k) % self.n
        self.check_every = 25
        self.cookie = cookie
        self.count = 0

    def session(self):
        s = requests.Session()
        s.cookies.update(self.cookie)
        s.headers["Accept-Encoding"] = BROWSER_ENCODING
        return s

    def url(self, i):
        x = self.series
        return f"{self.base}/dicomweb/studies/{x['study']}/series/{x['series']}/instances/{x['sops'][i]}/frames/1"

    def metadata(self, s, stats):
        x = self.series
        t = time.perf_counter()
        r = s.get(f"{self.base}/dicomweb/studies/{x['study']}/series/{x['series']}/metadata", headers={"Accept": JSON_ACCEPT})
        body = r.content
        elapsed = time.perf_counter() - t
        if r.status_code != 200 or body.count(b'"00080018"') != self.n:
            stats.error(f"metadata HTTP {r.status_code}, {len(body)} bytes")
        with stats.lock:
            stats.meta.append(elapsed)

    def fetch(self, s, i, stats):
        t = time.perf_counter()
        try:
            r = s.get(self.url(i), headers={"Accept": FRAME_ACCEPT}, stream=True)
            body = r.raw.read(decode_content=False)
            r.raw.release_conn()
        except requests.RequestException as e:
            stats.error(f"frame {i}: {type(e).__name__}: {e}")
            return
        elapsed = time.perf_counter() - t
        ctype, enc = r.headers.get("Content-Type", ""), r.headers.get("Content-Encoding", "identity")
        if r.status_code != 200 or not ctype.startswith("multipart/related") or enc != "gzip":
            stats.error(f"frame {i}: HTTP {r.status_code} {ctype} {enc}")
            return
        self.count += 1
        if self.count % self.check_every == 1:
            size = len(zlib.decompress(body, zlib.MAX_WBITS | 32))
            if size < FRAME_BYTES:
                stats.error(f"frame {i}: {size} bytes inflated")
                return
        stats.frame(elapsed, len(body))

    def open_series(self, stats, barrier, inflight=4):
        """/metadata, then every frame in the viewer's order (from the start slice on), `inflight` at a time."""
        order = [(self.start_index + j) % self.n for j in range(self.n)]
        lock = threading.Lock()
        sessions = [self.session() for _ in range(inflight)]
        barrier.wait()
        t0 = time.perf_counter()
        self.metadata(sessions[0], stats)

        def worker(s):
            while True:
                with lock:
                    if not order:
                        return
                    i = order.pop(0)
                self.fetch(s, i, stats)
        threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        with stats.lock:
            stats.per_viewer[self.k] = time.perf_counter() - t0
        for s in sessions:
            s.close()

    def scroll(self, stats, barrier, fps, seconds):
        s = self.session()
        barrier.wait()
        t0 = time.perf_counter()
        self.metadata(s, stats)
        shown, i = 0, self.start_index
        next_at = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            self.fetch(s, i, stats)
            shown += 1
            i = (i + 1) % self.n
            next_at += 1 / fps
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.perf_counter()  # behind: show the next slice as soon as it is there (no catching up)
        with stats.lock:
            stats.per_viewer[self.k] = shown / (time.perf_counter() - t0)
        s.close()


class Monitor:
    """Server CPU and RSS, this process's CPU, and the machine's busy share while a phase runs."""

    def __init__(self, pid):
        self.pid, self.rss, self.stop_flag = pid, [], threading.Event()

    @staticmethod
    def machine():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    def __enter__(self):
        self.t0, self.cpu0, self.self0, self.m0 = time.perf_counter(), cpu_seconds([self.pid])[self.pid], os.times(), self.machine()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while not self.stop_flag.wait(0.25):
            self.rss.append(rss_mb(self.pid)[0])

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()
        wall = time.perf_counter() - self.t0
        me = os.times()
        m1 = self.machine()
        self.wall = wall
        self.server_cores = (cpu_seconds([self.pid])[self.pid] - self.cpu0) / wall
        self.client_cores = (me.user + me.system - self.self0.user - self.self0.system) / wall
        self.machine_busy = 1 - (m1[1] - self.m0[1]) / max(1, m1[0] - self.m0[0])
        self.rss_max = max(self.rss or [rss_mb(self.pid)[0]])
        self.hwm = rss_mb(self.pid)[1]


def sign_in_all(base, password, n):
    """n sessions of the reader, all signing in at the same moment; (cookies per viewer, latencies)."""
    cookies, latencies, errors = [None] * n, [None] * n, []
    barrier = threading.Barrier(n)

    def one(k):
        s = requests.Session()
        barrier.wait()
        t = time.perf_counter()
        r = s.post(f"{base}/api/auth/login", json={"username": READER, "password": password})
        latencies[k] = time.perf_counter() - t
        if r.status_code != 200:
            errors.append(f"login {k}: HTTP {r.status_code} {r.text[:200]}")
        cookies[k] = s.cookies.get_dict()
        s.close()
    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise RuntimeError("; ".join(errors[:3]))
    if len({tuple(sorted(c.items())) for c in cookies}) != n:
        raise RuntimeError("sessions are not distinct")
    return cookies, latencies


def run_phase(viewers, server, target):
    stats = Stats()
    barrier = threading.Barrier(len(viewers) + 1)
    threads = [threading.Thread(target=target, args=(v, stats, barrier)) for v in viewers]
    for th in threads:
        th.start()
    barrier.wait()
    with Monitor(server.proc.pid) as mon:
        for th in threads:
            th.join()
    return stats, mon


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", help="default: .build/release/yunying if present, else .build/debug/yunying")
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--series", type=int, default=6, help="distinct CT series (one study each)")
    ap.add_argument("--slices", type=int, default=120)
    ap.add_argument("--fps", type=float, default=20, help="scrolling pace per viewer")
    ap.add_argument("--seconds", type=float, default=20, help="length of the scroll phase")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "viewer.md"))
    args = ap.parse_args()
    binary, kind = pick_binary(args.bin)
    built = datetime.datetime.fromtimestamp(os.path.getmtime(binary)).strftime("%Y-%m-%d %H:%M")
    print(f"server: {binary} ({kind}, built {built})", flush=True)

    began = time.perf_counter()
    phases = {}
    load = os.getloadavg()
    work = pathlib.Path(tempfile.mkdtemp(prefix="yy-viewerconc-"))
    server = None
    results = {}
    try:
        t = time.perf_counter()
        series = make_ct(work / "ct", args.series, args.slices)
        phases["data"] = time.perf_counter() - t
        server = Server(binary, work / "data").start()
        t = time.perf_counter()
        store([work / "ct"], server.dicom)
        phases["store"] = time.perf_counter() - t
        password = reader_password(server.base)
        wait_indexed(server.base, password, series)

        t = time.perf_counter()
        cookies, logins = sign_in_all(server.base, password, args.viewers)
        phases["sign-in"] = time.perf_counter() - t
        print(f"{args.viewers} sessions: sign-in p50 {pct(logins, 50) * 1000:.0f} ms, max {max(logins) * 1000:.0f} ms", flush=True)
        viewers = [Viewer(k, server.base, cookies[k], series[k % len(series)]) for k in range(args.viewers)]

        t = time.perf_counter()
        results["open"] = run_phase(viewers, server, lambda v, st, b: v.open_series(st, b))
        phases["open"] = time.perf_counter() - t
        t = time.perf_counter()
        results["scroll"] = run_phase(viewers, server, lambda v, st, b: v.scroll(st, b, args.fps, args.seconds))
        phases["scroll"] = time.perf_counter() - t
        for name, (st, mon) in results.items():
            print(f"{name:6} {len(st.frames)} frames in {mon.wall:.1f} s = {len(st.frames) / mon.wall:.0f} frames/s, "
                  f"{st.wire / mon.wall / 1e6:.0f} MB/s; latency p50 {pct(st.frames, 50) * 1000:.0f} p95 {pct(st.frames, 95) * 1000:.0f} "
                  f"p99 {pct(st.frames, 99) * 1000:.0f} ms; errors {len(st.errors)}; server {mon.server_cores:.2f} cores, RSS max "
                  f"{mon.rss_max:.0f} MB; client {mon.client_cores:.2f} cores; machine busy {mon.machine_busy * 100:.0f} %"
                  f" (others {max(0.0, mon.machine_busy * os.cpu_count() - mon.server_cores - mon.client_cores):.2f} cores)", flush=True)
            for e in st.errors[:5]:
                print("   ", e)
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    o, om = results["open"]
    sc, sm = results["scroll"]
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    others = lambda m: max(0.0, m.machine_busy * os.cpu_count() - m.server_cores - m.client_cores)  # noqa: E731
    n_frames = args.slices
    rows = [
        f"| open: {args.viewers} viewers open a {n_frames}-slice series at once, 4 requests in flight each | "
        f"{len(o.frames) / om.wall:.0f} frames/s ({o.wire / om.wall / 1e6:.0f} MB/s gzip) | {ms(pct(o.frames, 50))} | "
        f"{ms(pct(o.frames, 95))} | {ms(pct(o.frames, 99))} | {len(o.errors)} | {om.server_cores:.2f} of 2 | "
        f"{om.rss_max:.0f} MB | whole series per viewer: p50 {pct(list(o.per_viewer.values()), 50):.1f} s, "
        f"max {max(o.per_viewer.values()):.1f} s; `/metadata` p50 {ms(pct(o.meta, 50))}, max {ms(max(o.meta))} |",
        f"| scroll: {args.viewers} viewers at {args.fps:.0f} frames/s each, one request at a time, {args.seconds:.0f} s | "
        f"{len(sc.frames) / sm.wall:.0f} frames/s ({sc.wire / sm.wall / 1e6:.0f} MB/s gzip; asked {args.viewers * args.fps:.0f}) | "
        f"{ms(pct(sc.frames, 50))} | {ms(pct(sc.frames, 95))} | {ms(pct(sc.frames, 99))} | {len(sc.errors)} | "
        f"{sm.server_cores:.2f} of 2 | {sm.rss_max:.0f} MB | achieved per viewer: p50 {pct(list(sc.per_viewer.values()), 50):.1f} "
        f"frames/s, min {min(sc.per_viewer.values()):.1f} |",
    ]
    total = time.perf_counter() - began
    text = "\n".join([
        f"## {args.viewers} concurrent viewers (`bench/viewer/concurrent.py`, VIEW-39)",
        "",
        f"{datetime.date.today()} · {platform.machine()} · **{os.cpu_count()} cores shared by the server and the client** · "
        f"**{kind} build** `{os.path.relpath(binary, ROOT)}` (built {built}; tree {git_revision()}) · load average {load[0]:.2f} "
        f"at the start · {args.series} CT series of {args.slices} slices (512×512 int16, Explicit VR LE), viewer k reads "
        f"series k mod {args.series} · {args.viewers} sessions of one reader signed in at once "
        f"(sign-in p50 {pct(logins, 50) * 1000:.0f} ms, max {max(logins) * 1000:.0f} ms, bcrypt cost 10)",
        "",
        "| phase | throughput | frame p50 | p95 | p99 | errors | server CPU (cores) | server RSS max | per viewer |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Loopback, no link emulation: the server's CPU is what is measured. The python client (threads, `requests`, bodies "
        f"read but not inflated) used {om.client_cores:.2f} / {sm.client_cores:.2f} cores in the two phases and the machine was "
        f"{om.machine_busy * 100:.0f} % / {sm.machine_busy * 100:.0f} % busy, so the server had at most what was left "
        f"(other processes on the machine took about {others(om):.1f} / {others(sm):.1f} cores); on a server of its own the "
        f"same work would go faster. Server peak RSS (VmHWM) {max(om.hwm, sm.hwm):.0f} MB.",
        f"Whole bench {total / 60:.1f} min: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()) + ".",
        "",
    ])
    write_section(pathlib.Path(args.out), "concurrent", text)
    print(text)


if __name__ == "__main__":
    main()
