#!/usr/bin/env python3
"""Viewer benchmark (issue #6): the web viewer opening a 200-slice CT in headless Chromium over an emulated 100 Mbit/s link.

    python3 bench/viewer/bench.py [--bin .build/release/yunying] [--runs 3] [--out bench/results/viewer.md]

Server: the prebuilt `.build/release/yunying` if present, else `.build/debug/yunying` (nothing is built; the results say
which), `yunying demo` then `serve` on free ports in 19900-19949 with its own data folder and YUNYING_WEB_DIR=Web.
Data: ../shared/testdata/make_dataset.py makes one CT study (a localizer and 200 axial slices 512x512 int16, Explicit VR
Little Endian), sent with DCMTK /usr/bin/storescu (TCP_NODELAY=1). The demo department head `head` (study.view) signs in
once through the API from the page, so the session cookie is the browser's own.
Browser: /usr/bin/chromium --headless=new through selenium and /usr/bin/chromedriver, window 1440x900. A CDP client on
the browser's debugging socket attaches to the page and, with Target.setAutoAttach, to the viewer's frame workers (the
frames are fetched there, so the page's own Network events do not see them); on every session Network.enable and
Network.setCacheDisabled, on the page Network.emulateNetworkConditions 100 Mbit/s down and up, 10 ms latency (Chromium
applies the page's throttle to its dedicated workers too and refuses it on the worker sessions). Each run navigates from
about:blank to /viewer/?study=<uid>; one warm-up run is not counted (it fills the server's page cache and per-series
metadata cache as the first reader after ingest would), then --runs measured runs; each value is the median.
Measured, in the page's clock (performance.now(), 0 = navigation start), by a script added with
Page.addScriptToEvaluateOnNewDocument (no product code is changed):
  first image        the JPEG preview (/rendered) painted: its largest-contentful-paint entry's renderTime
  first exact image  the viewer sets <body data-first-image> when native pixels go to the GPU; the next animation
                     frame callback (after the engine's draw) is taken
  whole series       window.viewerTest.state().framesLoaded reaches the series' slice count (polled every 5 ms):
                     every slice's native pixels decoded into the viewer's frame cache
  bytes per slice    CDP Network.loadingFinished encodedDataLength (headers + gzip body) summed over the series'
                     /frames/ requests, divided by the slice count
The reference: the same 200 files compressed with DCMTK dcmcjpls (JPEG-LS lossless), summing the pixel data fragments;
the link time is that size at 100 Mbit/s. Goals from issue #6: first image < 0.5 s, whole series within 1.3x that time.
"""
# This folder holds concurrent.py, which must not hide the standard library's `concurrent` package: the folder goes
# after the standard library on the path, before anything is imported.
import pathlib  # noqa: E402
import sys  # noqa: E402

_here = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _here] + [str(_here)]

import argparse
import concurrent.futures as cf
import datetime
import itertools
import json
import os
import platform
import queue
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

import pydicom
import websocket
from pydicom.encaps import generate_fragments
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from common import (ROOT, Server, cpu_seconds, free_port, git_revision, machine_cpu, make_ct, pick_binary,  # noqa: E402
                    process_kind, process_tree, reader_password, store, wait_indexed)
from linkproxy import LinkProxy  # noqa: E402
from results import write_section  # noqa: E402

MBIT = 100          # link, both directions
LATENCY_MS = 10
GOAL_FIRST_S = 0.5
GOAL_SERIES_X = 1.3

# Runs in every document before its own scripts. Times are performance.now(): 0 is the navigation's start.
INIT_JS = r"""
(() => {
  if (location.pathname.indexOf('/viewer/') !== 0) return;
  const b = window.__bench = { previewPaint: null, previewLoad: null, exactMark: null, exactPaint: null, all: null, loaded: 0 };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if (b.previewPaint === null && e.url && e.url.indexOf('/rendered') >= 0) b.previewPaint = e.renderTime || e.loadTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  } catch (e) { b.lcpError = String(e); }
  b.longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { b.longTaskError = String(e); }
  document.addEventListener('load', (e) => {
    const t = e.target;
    if (b.previewLoad === null && t instanceof HTMLImageElement && t.classList.contains('vw-preview')) b.previewLoad = performance.now();
  }, true);
  new MutationObserver(() => {
    if (b.exactMark === null && document.body && document.body.dataset.firstImage === 'true') {
      b.exactMark = performance.now();
      requestAnimationFrame(() => { b.exactPaint = performance.now(); });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-first-image'] });
  const poll = () => {
    let s = null;
    try { s = window.viewerTest && window.viewerTest.state(); } catch (e) { b.pollError = String(e); }
    const cell = s && s.cells[0];
    if (cell && cell.count > 0) {
      b.count = cell.count;
      b.loaded = s.framesLoaded;
      if (s.framesLoaded >= cell.count) { b.all = performance.now(); return; }
    }
    setTimeout(poll, 5);
  };
  setTimeout(poll, 5);
})();
"""


class CDP:
    """A small flat-session CDP client on the browser's websocket: commands wait for their answer, events are kept."""

    def __init__(self, address):
        info = json.load(urllib.request.urlopen(f"http://{address}/json/version"))
        self.ws = websocket.create_connection(info["webSocketDebuggerUrl"], max_size=None, suppress_origin=True)
        self.ids = itertools.count(1)
        self.pending = {}
        self.events = []
        self.skipped = 0
        self.handlers = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                raw = self.ws.recv()
                if '"method":"Network.dataReceived"' in raw[:80]:
                    self.skipped += 1
                    continue  # ~100 per frame under throttling, never needed: not parsed, to spare the 2 cores
                msg = json.loads(raw)
            except Exception:
                return
            if "id" in msg:
                q = self.pending.pop(msg["id"], None)
                if q:
                    q.put(msg)
            else:
                self.events.append(msg)
                for h in self.handlers:
                    h(msg)

    def send(self, method, params=None, session=None):
        i = next(self.ids)
        q = queue.Queue()
        self.pending[i] = q
        msg = {"id": i, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        with self.lock:
            self.ws.send(json.dumps(msg))
        answer = q.get(timeout=30)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def take_events(self):
        """The events since the last call, and how many dataReceived events were skipped meanwhile."""
        events, self.events = self.events, []
        skipped, self.skipped = self.skipped, 0
        return events, skipped

    def close(self):
        self.ws.close()


RESOURCES_JS = """JSON.stringify({ origin: performance.timeOrigin, entries: performance.getEntriesByType('resource').map((e) =>
  [e.name, e.startTime, e.responseStart, e.responseEnd, e.transferSize, e.encodedBodySize]) })"""


class Browser:
    def __init__(self, base):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900", "--lang=zh-CN"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_script_timeout(30)
        self.version = self.driver.capabilities.get("browserVersion", "?")
        self.base = base
        self.cdp = CDP(self.driver.capabilities["goog:chromeOptions"]["debuggerAddress"])
        page = next(t for t in self.cdp.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.page = self.cdp.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        self.worker_sessions = []
        self.worker_network = False
        self.cache_disabled = True
        self.cdp.handlers.append(self._attached)
        self.cdp.send("Network.enable", {}, self.page)
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True}, self.page)
        self.throttle(True)
        self.cdp.send("Page.enable", {}, self.page)
        self.cdp.send("Page.addScriptToEvaluateOnNewDocument", {"source": INIT_JS}, self.page)
        # The frame workers are attached too (started paused, resumed at once) so that their Resource Timing can be
        # read and, in the bytes run, their Network events seen.
        self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}, self.page)

    def throttle(self, on):
        link = MBIT * 1e6 / 8 if on else -1
        self.cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS if on else 0,
                                                          "downloadThroughput": link, "uploadThroughput": link}, self.page)

    def cache(self, enabled):
        self.cache_disabled = not enabled
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": self.cache_disabled}, self.page)

    def _attached(self, msg):
        if msg.get("method") != "Target.attachedToTarget" or msg.get("sessionId") != self.page:
            return
        session = msg["params"]["sessionId"]
        if msg["params"]["targetInfo"]["type"] == "worker":
            self.worker_sessions.append(session)

        def resume():
            try:
                if self.worker_network:
                    self.cdp.send("Network.enable", {}, session)
                    self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": self.cache_disabled}, session)
            finally:
                self.cdp.send("Runtime.runIfWaitingForDebugger", {}, session)
        threading.Thread(target=resume, daemon=True).start()  # not on the reader thread: send() waits for the answer

    def sign_in(self, username, password):
        self.driver.get(self.base + "/healthz")
        status = self.driver.execute_async_script(
            "const done = arguments[2]; fetch('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },"
            " body: JSON.stringify({ username: arguments[0], password: arguments[1] }) }).then((r) => done(r.status), (e) => done(String(e)));",
            username, password)
        if status != 200:
            raise RuntimeError(f"sign-in from the page: {status}")

    def open(self, url, timeout=120):
        """Navigates from about:blank to url. Once every slice is in the cache: (page marks, Resource Timing entries of the
        page and its workers in the page's clock, CDP events)."""
        self.driver.get("about:blank")
        time.sleep(0.3)
        self.worker_sessions = []
        self.cdp.take_events()
        self.driver.get(url)
        deadline = time.time() + timeout
        while True:
            marks = self.driver.execute_script("return window.__bench || null")
            if marks and marks["all"] is not None and (marks["exactPaint"] is not None):
                break
            if time.time() > deadline:
                page = self.driver.execute_script("return location.href + ' | ' + document.body.innerText.slice(0, 300)")
                logs = [l["message"] for l in self.driver.get_log("browser")][-8:]
                raise RuntimeError(f"the series did not load within {timeout} s: {marks}\npage: {page}\nconsole: {logs}")
            time.sleep(0.1)
        page = json.loads(self.driver.execute_script("return " + RESOURCES_JS))
        entries = [dict(url=e[0], start=e[1], response=e[2], end=e[3], size=e[4], body=e[5], where="page") for e in page["entries"]]
        for session in list(self.worker_sessions):
            try:
                v = self.cdp.send("Runtime.evaluate", {"expression": RESOURCES_JS, "returnByValue": True}, session)["result"]["value"]
            except RuntimeError:
                continue  # a worker of the previous page, gone
            w = json.loads(v)
            shift = w["origin"] - page["origin"]
            entries += [dict(url=e[0], start=e[1] + shift, response=e[2] + shift, end=e[3] + shift, size=e[4], body=e[5], where="worker")
                        for e in w["entries"]]
        time.sleep(0.3)  # let the last CDP events arrive
        events, skipped = self.cdp.take_events()
        return marks, entries, events, skipped

    def quit(self):
        self.cdp.close()
        self.driver.quit()


def cdp_frame_bytes(events, series):
    """CDP Network.loadingFinished encodedDataLength of every frame request of the series: {url: bytes}, and failures."""
    urls, done, failed = {}, {}, []
    for m in events:
        method, p = m.get("method"), m.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[p["requestId"]] = p["request"]["url"]
        elif method == "Network.responseReceived" and p["response"]["status"] != 200 and is_frame(urls.get(p["requestId"], ""), series):
            failed.append(f"HTTP {p['response']['status']} {urls[p['requestId']]}")
        elif method == "Network.loadingFinished" and p["requestId"] in urls:
            done[urls[p["requestId"]]] = p["encodedDataLength"]
        elif method == "Network.loadingFailed" and is_frame(urls.get(p["requestId"], ""), series):
            failed.append(p.get("errorText"))
    return {u: b for u, b in done.items() if is_frame(u, series)}, failed


def is_frame(url, series):
    return f"/series/{series}/instances/" in url and "/frames/" in url and "/rendered" not in url


def analyse(marks, entries, ct):
    """The run's numbers, all in ms of the page's clock (0 = navigation start) unless said otherwise."""
    frames = [e for e in entries if e["where"] == "worker" and is_frame(e["url"], ct["series"])]
    distinct = {e["url"] for e in frames}
    if len(distinct) != ct["count"]:
        raise RuntimeError(f"{len(distinct)} distinct frames in the workers' Resource Timing, expected {ct['count']}")
    page = [e for e in entries if e["where"] == "page"]
    qido = [e for e in page if "/dicomweb/studies?" in e["url"]]
    meta = [e for e in page if e["url"].endswith(f"/series/{ct['series']}/metadata")]
    rendered = [e for e in page if "/rendered" in e["url"]]
    code = [e for e in page if e["url"].endswith((".js", ".css"))]
    first_image = min(x for x in (marks["previewPaint"], marks["exactPaint"]) if x is not None)
    long_before = sum(min(d, first_image - st) for st, d in marks.get("longTasks", []) if st < first_image)
    f_start, f_end = min(e["start"] for e in frames), max(e["end"] for e in frames)
    wire = sum(e["size"] for e in frames)
    nan = float("nan")
    return {
        "first": first_image / 1000,
        "preview": (marks["previewPaint"] or nan) / 1000,
        "exact": marks["exactPaint"] / 1000,
        "all": marks["all"] / 1000,
        "wire": wire,                                    # Resource Timing transferSize (headers + gzip body)
        "frames": len(frames),
        "n_code": len(code),
        "code_bytes": sum(e["size"] for e in code),
        "t_code": min(e["start"] for e in qido) if qido else nan,   # HTML, CSS and the module graph ran
        "t_meta": max(e["end"] for e in meta) if meta else nan,
        "t_rendered_start": min(e["start"] for e in rendered) if rendered else nan,
        "t_rendered": min(e["end"] for e in rendered) if rendered else nan,
        "t_frame1": min(e["end"] for e in frames),
        "t_frames_start": f_start,
        "t_frames_end": f_end,
        "frames_mbit": wire * 8 / ((f_end - f_start) / 1000) / 1e6,
        "ttfb": statistics.median(e["response"] - e["start"] for e in frames),
        "per_frame": statistics.median(e["end"] - e["start"] for e in frames),
        "long_before": long_before,
    }


def jpegls_size(files, work):
    """Pixel data bytes of the files compressed with DCMTK dcmcjpls (JPEG-LS lossless, its defaults): fragments summed."""
    out = work / "jls"
    out.mkdir()

    def one(i_f):
        i, f = i_f
        target = out / f"{i:04d}.dcm"
        subprocess.run(["dcmcjpls", str(f), str(target)], check=True, capture_output=True)
        ds = pydicom.dcmread(target)
        if ds.file_meta.TransferSyntaxUID != "1.2.840.10008.1.2.4.80":
            raise RuntimeError(f"dcmcjpls wrote {ds.file_meta.TransferSyntaxUID}")
        return sum(len(x) for x in generate_fragments(ds.PixelData))

    with cf.ThreadPoolExecutor(2) as pool:
        return sum(pool.map(one, enumerate(files)))


def dcmtk_version():
    r = subprocess.run(["dcmcjpls", "--version"], capture_output=True, text=True)
    line = next((l for l in r.stdout.splitlines() if "DCMTK" in l), "")
    return line.split("(")[0].replace("$dcmtk:", "").strip() or "DCMTK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", help="default: .build/release/yunying if present, else .build/debug/yunying")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slices", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=120, help="seconds a run may take")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "viewer.md"))
    args = ap.parse_args()
    binary, kind = pick_binary(args.bin)
    built = datetime.datetime.fromtimestamp(os.path.getmtime(binary)).strftime("%Y-%m-%d %H:%M")
    print(f"server: {binary} ({kind}, built {built})", flush=True)

    began = time.perf_counter()
    phases = {}
    work = pathlib.Path(tempfile.mkdtemp(prefix="yy-viewerbench-"))
    server = browser = proxy = None
    load = os.getloadavg()
    try:
        t = time.perf_counter()
        ct = make_ct(work / "ct", 1, args.slices)[0]
        ct["count"] = len(ct["files"])
        phases["data"] = time.perf_counter() - t
        t = time.perf_counter()
        jls = jpegls_size(ct["files"], work)
        native = ct["count"] * 512 * 512 * 2
        phases["dcmcjpls"] = time.perf_counter() - t

        server = Server(binary, work / "data").start()
        t = time.perf_counter()
        store([work / "ct"], server.dicom)
        phases["store"] = time.perf_counter() - t
        password = reader_password(server.base)
        wait_indexed(server.base, password, [ct])

        browser = Browser(server.base)
        browser.sign_in("head", password)
        url = f"{server.base}/viewer/?study={ct['study']}"
        t = time.perf_counter()
        chromedriver = browser.driver.service.process.pid
        results, proxied, extras = [], [], {}
        # A warm-up, the measured runs, then two with the browser cache on (the first fills it; the window is resized
        # before the second so that the preview's /rendered URL, viewport=W,H, is new), and one without emulation.
        # Chromium throttles a dedicated worker's requests only while the worker's Network domain is on, so it is on in
        # every emulated run (and gives encodedDataLength); the run without emulation goes without it.
        # Last, the cross-check: the same page through LinkProxy (100 Mbit/s shared by all connections, 10 ms round trip)
        # with DevTools' throttle off, so that no per-chunk events flow.
        proxy = LinkProxy(server.http, free_port(), MBIT, LATENCY_MS)
        proxy_url = f"http://127.0.0.1:{proxy.port}/viewer/?study={ct['study']}"
        plan = (["warm-up"] + [f"run {i + 1}" for i in range(args.runs)] + ["cache fill", "cache warm", "no emulation"]
                + [f"proxy {i + 1}" for i in range(args.runs)])
        for label in plan:
            browser.worker_network = label not in ("no emulation",) and not label.startswith("proxy")
            if label == "cache fill":
                browser.cache(True)
            elif label == "cache warm":
                browser.driver.set_window_size(1400, 880)
            elif label == "no emulation":
                browser.cache(False)
                browser.driver.set_window_size(1440, 900)
                browser.throttle(False)
            cpu0, machine0, me0 = cpu_seconds(process_tree(chromedriver) | {server.proc.pid}), machine_cpu(), os.times()
            marks, entries, events, skipped = browser.open(proxy_url if label.startswith("proxy") else url, args.timeout)
            cpu1, machine1, me1 = cpu_seconds(process_tree(chromedriver) | {server.proc.pid}), machine_cpu(), os.times()
            r = analyse(marks, entries, ct)
            r["cpu_server"] = cpu1.get(server.proc.pid, 0) - cpu0.get(server.proc.pid, 0)
            r["cpu_chromium"] = sum(v - cpu0.get(p, 0) for p, v in cpu1.items() if p != server.proc.pid)
            kinds = {}
            for p, v in cpu1.items():
                if p != server.proc.pid:
                    kinds[process_kind(p)] = kinds.get(process_kind(p), 0) + v - cpu0.get(p, 0)
            r["cpu_kinds"] = kinds
            r["cpu_bench"] = me1.user + me1.system - me0.user - me0.system
            # CPU seconds of everything else on the machine meanwhile (other people's builds and tests)
            r["cpu_others"] = max(0.0, machine1 - machine0 - r["cpu_server"] - r["cpu_chromium"] - r["cpu_bench"])
            r["events"] = len(events) + skipped
            if browser.worker_network:
                cdp_bytes, failed = cdp_frame_bytes(events, ct["series"])
                if failed or len(cdp_bytes) != ct["count"]:
                    raise RuntimeError(f"{label}: {len(cdp_bytes)} frames finished, failures {failed[:3]}")
                r["cdp_wire"] = sum(cdp_bytes.values())
            print(f"{label:12} first image {r['first'] * 1000:5.0f} ms (preview {r['preview'] * 1000:.0f}, exact {r['exact'] * 1000:.0f})"
                  f"  series {r['all']:5.2f} s  {r['wire'] / r['frames'] / 1024:.0f} KiB/slice"
                  + (f" (CDP {r['cdp_wire'] / ct['count'] / 1024:.1f})" if "cdp_wire" in r else "")
                  + f"  frames {r['t_frames_start']:.0f}→{r['t_frames_end']:.0f} ms at {r['frames_mbit']:.0f} Mbit/s,"
                  f" per frame {r['per_frame']:.0f} ms (first byte {r['ttfb']:.0f}); CPU s: server {r['cpu_server']:.1f}, "
                  + ", ".join(f"{k} {v:.1f}" for k, v in sorted(kinds.items()) if v >= 0.05)
                  + f", bench {r['cpu_bench']:.1f}, other processes {r['cpu_others']:.1f}", flush=True)
            if label == "warm-up":
                warm = r
            elif label.startswith("run "):
                results.append(r)
            elif label.startswith("proxy"):
                proxied.append(r)
            else:
                extras[label] = r
        phases["browser runs"] = time.perf_counter() - t
    finally:
        if proxy:
            proxy.close()
        if browser:
            browser.quit()
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    free, cached = extras["no emulation"], extras["cache warm"]
    med = {k: statistics.median(r[k] for r in results) for k in results[0] if isinstance(results[0][k], (int, float))}
    pmed = {k: statistics.median(r[k] for r in proxied) for k in proxied[0] if isinstance(proxied[0][k], (int, float))}
    kinds = {k: statistics.median(r["cpu_kinds"].get(k, 0) for r in results) for k in results[0]["cpu_kinds"]}
    count = ct["count"]
    link = jls * 8 / (MBIT * 1e6)
    per_slice = med["cdp_wire"] / count
    link_gzip = med["cdp_wire"] * 8 / (MBIT * 1e6)
    ok = lambda b: "✓" if b else "✗"  # noqa: E731
    spread = lambda k, f, rs=results: " / ".join(f(r[k]) for r in rs)  # noqa: E731
    s_fmt = lambda v: f"{v:.2f} s"  # noqa: E731
    ms_fmt = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    rows = [
        f"| time to first image: navigation → first image painted (the `/rendered` JPEG preview, or the exact pixels when they come first) | {med['first'] * 1000:.0f} ms | "
        f"< {GOAL_FIRST_S * 1000:.0f} ms {ok(med['first'] < GOAL_FIRST_S)} | {spread('first', ms_fmt)} |",
        f"| first exact image: navigation → native pixels drawn | {med['exact'] * 1000:.0f} ms | — | {spread('exact', ms_fmt)} |",
        f"| whole series: navigation → all {count} slices' exact pixels in the viewer's cache | {med['all']:.2f} s "
        f"({med['all'] / link:.2f}× the JPEG-LS link time) | ≤ {GOAL_SERIES_X}× {link:.2f} s = {GOAL_SERIES_X * link:.2f} s "
        f"{ok(med['all'] <= GOAL_SERIES_X * link)} | {spread('all', s_fmt)} |",
        f"| bytes on the wire per slice (native pixels, gzip; CDP `encodedDataLength`, headers included) | {per_slice / 1024:.1f} KiB "
        f"({per_slice / (native / count) * 100:.0f} % of the 512 KiB frame; {per_slice / (jls / count):.2f}× JPEG-LS) | "
        f"JPEG-LS lossless: {jls / count / 1024:.1f} KiB | Resource Timing `transferSize`: "
        f"{spread('wire', lambda v: f'{v / count / 1024:.1f}')} KiB |",
        f"| cross-check through a link-emulating proxy ({MBIT} Mbit/s, {LATENCY_MS} ms round trip, no DevTools throttle): first image | "
        f"{pmed['first'] * 1000:.0f} ms | < {GOAL_FIRST_S * 1000:.0f} ms {ok(pmed['first'] < GOAL_FIRST_S)} | {spread('first', ms_fmt, proxied)} |",
        f"| cross-check through the proxy: whole series | {pmed['all']:.2f} s ({pmed['all'] / link:.2f}× the JPEG-LS link time; "
        f"frames at {pmed['frames_mbit']:.0f} Mbit/s) | ≤ {GOAL_SERIES_X * link:.2f} s {ok(pmed['all'] <= GOAL_SERIES_X * link)} | "
        f"{spread('all', s_fmt, proxied)} |",
        f"| frames: first frame request → last frame received; link use | {(med['t_frames_end'] - med['t_frames_start']) / 1000:.2f} s; "
        f"{med['frames_mbit']:.0f} Mbit/s of {MBIT} | — | {spread('frames_mbit', lambda v: f'{v:.0f} Mbit/s')} |",
    ]
    total = time.perf_counter() - began
    text = "\n".join([
        f"## One viewer over a {MBIT} Mbit/s link (`bench/viewer/bench.py`)",
        "",
        f"{datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores (server, Chromium and the bench share them) · "
        f"**{kind} build** `{os.path.relpath(binary, ROOT)}` (built {built}; tree {git_revision()}) · Chromium {browser.version} "
        f"headless (software WebGL) · median of {args.runs} runs after one warm-up · load average {load[0]:.2f} at the start · "
        f"{count}-slice CT (512×512 int16, {ct['bytes'] / 1e6:.0f} MB of files, Explicit VR Little Endian; JPEG-LS lossless "
        f"pixel data {jls / 1e6:.1f} MB with {dcmtk_version()} `dcmcjpls`, {native / jls:.2f}:1)",
        "",
        "| measure (CDP emulation unless said otherwise) | Yunying (median) | goal (issue #6) | the runs |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Conditions: CDP `Network.emulateNetworkConditions` {MBIT} Mbit/s down and up, {LATENCY_MS} ms latency (Chromium applies "
        f"the page's throttle to its frame workers as well), browser cache disabled (every run fetches the page and its "
        f"{int(med['n_code'])} scripts and style sheets, {med['code_bytes'] / 1024:.0f} KiB, again); window 1440×900; the viewer "
        "as shipped (4 frame workers fetching native frames with `Accept-Encoding: gzip`); signed in beforehand (the session "
        f"cookie is reused, the login page is not timed). Link time = JPEG-LS pixel data × 8 / {MBIT} Mbit/s = {link:.2f} s; "
        f"the gzip frames actually sent need {link_gzip:.2f} s at full link speed. Frame timings and `transferSize` come from the "
        f"workers' Resource Timing, read over CDP after each run. Chromium 156 throttles a dedicated worker's requests only "
        f"while that worker's Network domain is enabled, so it is, in every emulated run; the throttle then hands the body "
        f"over in ~3 KB pieces, each a `Network.dataReceived` event (~{med['events'] / 1000:.0f}k per run): on 2 cores that "
        f"costs real time (see the run without emulation below, where the frames are not throttled and no events flow). "
        "The cross-check rows send the same page through `bench/viewer/linkproxy.py` instead: a loopback TCP proxy in the "
        f"bench process that delays each direction by {LATENCY_MS / 2:g} ms and lets at most {MBIT} Mbit/s through per direction, "
        "shared by all connections, with DevTools' throttle off.",
        "",
        "Where the time goes (median, ms from navigation start):",
        f"- HTML, CSS and the module graph until the first QIDO request: {med['t_code']:.0f}; series `/metadata` received "
        f"{med['t_meta']:.0f}; preview JPEG requested {med['t_rendered_start']:.0f}, received {med['t_rendered']:.0f}, painted "
        f"{med['preview'] * 1000:.0f}; first native frame received {med['t_frame1']:.0f}, drawn {med['exact'] * 1000:.0f}. The "
        f"page's main thread was in long tasks (> 50 ms) for {med['long_before']:.0f} ms before the first image.",
        f"- With the app's code in the browser cache (a second visit; preview and frames still fetched): first image "
        f"{cached['first'] * 1000:.0f} ms, first exact image {cached['exact'] * 1000:.0f} ms, first QIDO request at "
        f"{cached['t_code']:.0f} ms. Warm-up run (first reader after ingest): first image {warm['first'] * 1000:.0f} ms, "
        f"whole series {warm['all']:.2f} s.",
        f"- Frames from {med['t_frames_start']:.0f} to {med['t_frames_end']:.0f}, last slice in the cache {med['all'] * 1000:.0f}: "
        f"a frame request takes {med['per_frame']:.0f} ms (first byte after {med['ttfb']:.0f} ms) with 4 in flight.",
        f"- CPU per run (2 cores): server {med['cpu_server']:.1f} s; Chromium {med['cpu_chromium']:.1f} s ("
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(kinds.items(), key=lambda x: -x[1]) if v >= 0.05) + f"); this "
        f"script {med['cpu_bench']:.1f} s; other processes on the machine {med['cpu_others']:.1f} s. "
        f"Without emulation (loopback, same browser): first image {free['first'] * 1000:.0f} ms, whole series {free['all']:.2f} s, "
        f"frames at {free['frames_mbit']:.0f} Mbit/s, CPU server {free['cpu_server']:.1f} s, Chromium {free['cpu_chromium']:.1f} s.",
        "",
        f"Whole bench {total / 60:.1f} min: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()) + ".",
        "",
    ])
    write_section(pathlib.Path(args.out), "single", text)
    print(text)


if __name__ == "__main__":
    main()
