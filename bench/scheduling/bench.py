#!/usr/bin/env python3
"""Scheduling benchmark (issue #7): bookings per second through the HTTP API with 50 concurrent clients, slot-search
latency with a year of templates for 30 devices, and how long making that year of slots takes. No peer: absolute
numbers, on the embedded SQLite and on PostgreSQL 15 in the same run.

    python3 bench/scheduling/bench.py [--bin .build/debug/yunying] [--engines sqlite,postgres] [--clients 50]
                                      [--orders 1500] [--book-seconds 60] [--samples 30] [--out bench/results/scheduling.md]

Without --bin the script takes `.build/release/yunying` if that binary serves the scheduling API, else
`.build/debug/yunying`, and says which (and how old each is) in the result.

Per engine, on a fresh data directory (`yunying demo` first; PostgreSQL from `scripts/pg-test-cluster.sh`, which runs
the throwaway cluster with fsync=off; SQLite runs as shipped: WAL, synchronous=FULL):
  setup     30 queues (the devices) as the department head `head` (scheduling.manage); per queue 18 `daily` templates of
            30 minutes 08:00–17:00 and 8 `weekday` templates 08:00–12:00 for Saturday and Sunday each (weekend days take
            only those: the most specific kind wins), capacity 2 units a slot, bookable 365 days ahead (`openDays`).
  generate  POST /api/scheduling/queues/{id}/generate {from: today, days: 365} for each queue in turn, timed; the slots
            made are checked against the count the templates give.
  orders    --orders orders of one one-unit CT item each, as the demo `registrar` (registration.manage), 8 clients.
  booking   --clients threads, each with its own keep-alive `requests.Session` carrying the registrar's session cookie
            and CSRF header. Each takes the next unbooked item, picks a random queue, asks GET …/next-available (from
            today, 30 days, 5 options) and POSTs /api/scheduling/appointments for the first option (channel `app`); on a
            409 it tries the next option, and asks again when all five were taken. A booking is done on its 201. The
            phase ends when every item is booked or after --book-seconds.
  verify    GET …/slots over every date that has bookings, for every queue: no slot may have used > capacity, and the
            units used must equal the 201s (one unit each); GET /api/scheduling/appointments?status=booked must count
            as many.
  search    one client, the year of slots loaded and the bookings made: GET next-available for a fresh item over 30 and
            over 90 days, GET slots for a week (with and without orderItemId, which adds the reason each slot is refused)
            of the queue with the most bookings; one warm-up, then --samples calls each.
Times are wall-clock at the client, from sending the request to having read the whole answer; p50/p95 are the 50th
and 95th percentiles. Server CPU is read from /proc for the server process.
"""
import argparse
import collections
import datetime
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
import zoneinfo

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "interop"))

import requests  # noqa: E402

import yyserver  # noqa: E402
from yyserver import DEMO_PASSWORD, Server  # noqa: E402

QUEUES = 30
CAPACITY = 2
DAY_START, DAY_END, WEEKEND_END = 8 * 60, 17 * 60, 12 * 60
SLOT_MINUTES = 30
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")  # YUNYING_TIMEZONE default: slot dates are the hospital's
PORTS = (19950, 19999)


def free_port(low=PORTS[0], high=PORTS[1]):
    """A free loopback port in the range this machine leaves to this benchmark."""
    for port in random.sample(range(low, high + 1), high - low + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port in {low}-{high}")


yyserver.free_port = free_port  # Server() picks its HTTP and DICOM ports with this


def hhmm(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def ms(values):
    return f"{pct(values, 50) * 1000:.1f} / {pct(values, 95) * 1000:.1f} ms" if values else "n/a"


def serves_scheduling(binary):
    return pathlib.Path(binary).exists() and b"scheduling/queues" in pathlib.Path(binary).read_bytes()


def binary_note(path):
    p = pathlib.Path(path)
    stamp = datetime.datetime.fromtimestamp(p.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"`{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}` ({stamp})"


def pick_binary(requested):
    release, debug = ROOT / ".build/release/yunying", ROOT / ".build/debug/yunying"
    notes = []
    for p in (release, debug):
        if p.exists():
            notes.append(f"{binary_note(p)}{'' if serves_scheduling(p) else ', no scheduling API'}")
    if requested:
        return requested, notes
    if serves_scheduling(release):
        return str(release), notes
    return str(debug), notes


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid):
    """CPU seconds of a process, its reaped children and its live children (PostgreSQL: the postmaster and its backends)."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p):
        return pathlib.Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    f = stat(pid)
    total = sum(int(x) for x in f[11:15]) / tick
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                c = stat(entry.name)
            except OSError:
                continue
            if c[1] == str(pid):
                total += (int(c[11]) + int(c[12])) / tick
    return total


def clone(session):
    """A new keep-alive session with the same login (cookie) and CSRF header: one per client thread."""
    s = requests.Session()
    s.cookies.update(session.cookies.get_dict())
    s.headers["X-CSRF-Token"] = session.headers["X-CSRF-Token"]
    return s


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    r = fn(*args, **kwargs)
    return time.perf_counter() - t, r


class Run:
    """One engine's run: server up, calendar made, bookings raced, searches timed."""

    def __init__(self, engine, args):
        self.engine, self.args = engine, args
        self.result = {"engine": engine}
        self.cluster = self.srv = None
        self.data = tempfile.mkdtemp(prefix=f"yy-schedbench-{engine}-")

    def start(self):
        env = {"YUNYING_AUTO_REGISTER": "", "YUNYING_LOG_LEVEL": "warning"}
        if self.engine == "postgres":
            if not any(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb")):
                raise RuntimeError("PostgreSQL not installed")
            self.cluster = tempfile.mkdtemp(prefix="yy-schedbench-pg-")
            os.chmod(self.cluster, 0o755)  # the cluster runs as the postgres user
            env["YUNYING_DATABASE_URL"] = subprocess.run(
                ["bash", str(ROOT / "scripts/pg-test-cluster.sh"), "start", self.cluster, str(free_port())],
                capture_output=True, text=True, check=True).stdout.strip()
        self.result["binary"] = binary_note(pathlib.Path(yyserver.BIN))
        self.srv = Server(self.data, **env).demo().start()
        self.registrar = self.srv.session("registrar", DEMO_PASSWORD, new_password="Reg#Yunying2026x")
        self.head = self.srv.session("head", DEMO_PASSWORD, new_password="Rad#Yunying2026x")
        self.today = datetime.datetime.now(TZ).date()

    def stop(self):
        if self.srv and self.srv.proc:
            self.srv.stop()
        if self.cluster:
            subprocess.run(["bash", str(ROOT / "scripts/pg-test-cluster.sh"), "stop", self.cluster], capture_output=True)
            shutil.rmtree(self.cluster, ignore_errors=True)
        shutil.rmtree(self.data, ignore_errors=True)

    def url(self, path):
        return self.srv.url(path)

    def cpu(self):
        """(server CPU seconds, PostgreSQL CPU seconds or 0) so far."""
        db = 0.0
        if self.cluster:
            pid = int(pathlib.Path(self.cluster, "data", "postmaster.pid").read_text().split()[0])
            db = tree_cpu_seconds(pid)
        return cpu_seconds(self.srv.proc.pid), db

    # MARK: calendar

    def setup_calendar(self):
        t = time.perf_counter()
        self.queues = []
        templates = 0
        for n in range(QUEUES):
            r = self.head.post(self.url("api/scheduling/queues"), json={
                "code": f"BQ{n + 1:02d}", "name": f"压测设备 {n + 1}", "modality": "CT", "department": "RAD", "stationAETitle": f"BQ{n + 1:02d}"})
            assert r.status_code == 201, r.text
            qid = r.json()["id"]
            self.queues.append(qid)
            plan = [("daily", None, m, m + SLOT_MINUTES) for m in range(DAY_START, DAY_END, SLOT_MINUTES)]
            plan += [("weekday", wd, m, m + SLOT_MINUTES) for wd in (6, 7) for m in range(DAY_START, WEEKEND_END, SLOT_MINUTES)]
            for kind, weekday, start, end in plan:
                body = {"kind": kind, "startTime": hhmm(start), "endTime": hhmm(end), "capacity": CAPACITY, "openDays": 365}
                if weekday:
                    body["weekday"] = weekday
                r = self.head.post(self.url(f"api/scheduling/queues/{qid}/templates"), json=body)
                assert r.status_code == 201, r.text
                templates += 1
        self.result["setup"] = (time.perf_counter() - t, templates)
        print(f"[{self.engine}] {QUEUES} queues, {templates} templates in {self.result['setup'][0]:.1f} s", flush=True)

    def generate(self):
        days = [self.today + datetime.timedelta(days=d) for d in range(365)]
        closed = {datetime.date(self.today.year + 1, 1, 1)}  # `yunying demo` makes 元旦 a holiday; without holiday templates it is closed
        per_day = {d: 0 if d in closed else (DAY_END - DAY_START) // SLOT_MINUTES if d.isoweekday() <= 5 else (WEEKEND_END - DAY_START) // SLOT_MINUTES
                   for d in days}
        expected = sum(per_day.values())
        self.per_day = per_day
        times, made = [], 0
        start = time.perf_counter()
        cpu0 = self.cpu()
        for qid in self.queues:
            elapsed, r = timed(self.head.post, self.url(f"api/scheduling/queues/{qid}/generate"),
                               json={"from": self.today.isoformat(), "days": 365}, timeout=600)
            assert r.status_code == 200, r.text
            if r.json()["made"] != expected:
                raise RuntimeError(f"queue {qid}: {r.json()['made']} slots made, expected {expected}")
            made += r.json()["made"]
            times.append(elapsed)
        total = time.perf_counter() - start
        self.result["generate"] = {"total": total, "made": made, "per_queue": times, "cpu": [a - b for a, b in zip(self.cpu(), cpu0)]}
        print(f"[{self.engine}] generated {made:,} slots (365 days x {QUEUES} queues) in {total:.1f} s "
              f"({made / total:,.0f} slots/s; per queue p50 {pct(times, 50):.2f} s, max {max(times):.2f} s); "
              f"CPU server {self.result['generate']['cpu'][0]:.0f} s, PostgreSQL {self.result['generate']['cpu'][1]:.0f} s", flush=True)

    # MARK: orders

    def make_orders(self, count):
        ids = [None] * count
        lock = threading.Lock()
        cursor = iter(range(count))

        def worker():
            s = clone(self.registrar)
            while True:
                with lock:
                    n = next(cursor, None)
                if n is None:
                    return
                body = {"patient": {"patientId": f"BP{n:06d}", "name": f"Bench^{n}", "sex": "MF"[n % 2], "birthDate": "19700101"},
                        "source": "outpatient", "channel": "his", "requestingDoctor": "郑丽", "externalId": f"BENCH-{n:06d}",
                        "items": [{"itemCode": "CT-CHEST", "itemName": "胸部CT平扫", "modality": "CT"}]}
                r = s.post(self.url("api/scheduling/orders"), json=body)
                if r.status_code != 201:
                    raise RuntimeError(f"order {n}: HTTP {r.status_code} {r.text[:300]}")
                ids[n] = r.json()["items"][0]["id"]

        t = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        if None in ids:
            raise RuntimeError("not every order was made")
        return ids, elapsed

    # MARK: booking race

    def book(self, items):
        args = self.args
        lock = threading.Lock()
        cursor = iter(items)
        stats = {"post201": [], "post409": [], "postother": [], "get": [], "e2e": [], "codes": collections.Counter(),
                 "errors": [], "unbooked": 0, "per_queue": collections.Counter(), "rounds": collections.Counter()}
        deadline = [None]
        barrier = threading.Barrier(args.clients + 1)

        def worker(seed):
            rng = random.Random(seed)
            s = clone(self.registrar)
            local = {k: [] for k in ("post201", "post409", "postother", "get", "e2e")}
            codes, per_queue, rounds_seen = collections.Counter(), collections.Counter(), collections.Counter()
            errors, unbooked = [], 0
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    break
                qid = rng.choice(self.queues)
                began = time.perf_counter()
                done = False
                for round_ in range(10):
                    g, r = timed(s.get, self.url(f"api/scheduling/queues/{qid}/next-available"),
                                 params={"orderItemId": item, "from": self.today.isoformat(), "days": 30, "limit": 5})
                    local["get"].append(g)
                    if r.status_code != 200:
                        errors.append(f"GET next-available → HTTP {r.status_code} {r.text[:200]}")
                        break
                    options = r.json()["items"]
                    if not options:
                        break
                    for option in options:
                        p, r = timed(s.post, self.url("api/scheduling/appointments"),
                                     json={"orderItemId": item, "parts": option["parts"], "channel": "app"})
                        if r.status_code == 201:
                            local["post201"].append(p)
                            codes["201"] += 1
                            done = True
                            break
                        code = (r.json().get("error") or {}).get("code", "?") if r.headers.get("Content-Type", "").startswith("application/json") else "?"
                        codes[f"{r.status_code} {code}"] += 1
                        if r.status_code == 409:
                            local["post409"].append(p)
                            continue
                        local["postother"].append(p)
                        errors.append(f"POST appointments {option['parts']} → HTTP {r.status_code} {r.text[:200]}")
                        break
                    if done or errors:
                        break
                if done:
                    local["e2e"].append(time.perf_counter() - began)
                    per_queue[qid] += 1
                    rounds_seen[round_ + 1] += 1
                else:
                    unbooked += 1
            with lock:
                for k, v in local.items():
                    stats[k].extend(v)
                stats["codes"].update(codes)
                stats["per_queue"].update(per_queue)
                stats["rounds"].update(rounds_seen)
                stats["errors"].extend(errors)
                stats["unbooked"] += unbooked

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
        for th in threads:
            th.start()
        cpu0, client0 = self.cpu(), time.process_time()
        deadline[0] = time.perf_counter() + args.book_seconds + 3600  # set properly once everyone is ready
        barrier.wait()
        t = time.perf_counter()
        deadline[0] = t + args.book_seconds
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        stats["wall"] = wall
        stats["cpu"], stats["db_cpu"] = [a - b for a, b in zip(self.cpu(), cpu0)]
        stats["client_cpu"] = time.process_time() - client0
        stats["attempted"] = len(stats["e2e"]) + stats["unbooked"]
        self.result["book"] = stats
        ok = stats["codes"]["201"]
        print(f"[{self.engine}] {ok} bookings in {wall:.1f} s = {ok / wall:.1f}/s with {args.clients} clients; "
              f"codes {dict(stats['codes'])}; POST 201 p50/p95 {ms(stats['post201'])}; next-available {ms(stats['get'])}; "
              f"server CPU {stats['cpu']:.0f} s, PostgreSQL CPU {stats['db_cpu']:.0f} s, client CPU {stats['client_cpu']:.0f} s; errors {len(stats['errors'])}", flush=True)
        for e in stats["errors"][:5]:
            print("   ", e, flush=True)

    def verify(self):
        booked = self.result["book"]["codes"]["201"]
        last = self.today + datetime.timedelta(days=31)
        checked = over = used = full = 0
        worst = None
        t = time.perf_counter()
        for qid in self.queues:
            r = self.registrar.get(self.url(f"api/scheduling/queues/{qid}/slots"),
                                   params={"from": self.today.isoformat(), "to": last.isoformat()}, timeout=300)
            assert r.status_code == 200, r.text
            for entry in r.json()["items"]:
                slot = entry["slot"]
                checked += 1
                used += slot["used"]
                full += slot["used"] == slot["capacity"]
                if slot["used"] > slot["capacity"] or slot["used"] < 0:
                    over += 1
                    worst = worst or (qid, slot)
        listed = sum(self.registrar.get(self.url("api/scheduling/appointments"), params={"queueId": qid, "status": "booked", "pageSize": 1})
                     .json()["total"] for qid in self.queues)
        self.result["verify"] = {"checked": checked, "over": over, "used": used, "booked": booked, "full": full, "worst": worst,
                                 "listed": listed, "seconds": time.perf_counter() - t}
        print(f"[{self.engine}] verify: {checked:,} slots checked (today..+31 d), {over} over capacity, {full:,} full; "
              f"units used {used} vs {booked} 201s; appointments listed as booked {listed}", flush=True)

    # MARK: search latency

    def search(self, item):
        counts = collections.Counter(self.result["book"]["per_queue"])
        qid = counts.most_common(1)[0][0] if counts else self.queues[0]
        week_from = self.today + datetime.timedelta(days=7)
        week = {"from": week_from.isoformat(), "to": (week_from + datetime.timedelta(days=6)).isoformat()}
        plan = [
            ("na30", "GET next-available, 30 days, 5 options", f"api/scheduling/queues/{qid}/next-available",
             {"orderItemId": item, "from": self.today.isoformat(), "days": 30, "limit": 5}),
            ("na90", "GET next-available, 90 days, 5 options", f"api/scheduling/queues/{qid}/next-available",
             {"orderItemId": item, "from": self.today.isoformat(), "days": 90, "limit": 5}),
            ("na90_late", "GET next-available, 90 days from day 300 (end of the year)", f"api/scheduling/queues/{qid}/next-available",
             {"orderItemId": item, "from": (self.today + datetime.timedelta(days=300)).isoformat(), "days": 90, "limit": 5}),
            ("week", "GET slots for a week", f"api/scheduling/queues/{qid}/slots", week),
            ("week_item", "GET slots for a week with orderItemId (refusal per slot)", f"api/scheduling/queues/{qid}/slots",
             dict(week, orderItemId=item)),
        ]
        def window(first, days):
            return sum(self.per_day.get(first + datetime.timedelta(days=d), 0) for d in range(days))

        reads = {"na30": window(self.today, 30), "na90": window(self.today, 90),
                 "na90_late": window(self.today + datetime.timedelta(days=300), 90), "week": window(week_from, 7), "week_item": window(week_from, 7)}
        s = clone(self.registrar)
        out = {}
        for key, label, path, params in plan:
            r = s.get(self.url(path), params=params)
            assert r.status_code == 200, (key, r.status_code, r.text[:300])
            n = len(r.json()["items"])
            samples = []
            cpu0, began = self.cpu(), time.perf_counter()
            # --samples calls, or fewer (at least 10) when they take more than 15 s together
            while len(samples) < self.args.samples and (len(samples) < 10 or time.perf_counter() - began < 15):
                e, r = timed(s.get, self.url(path), params=params)
                assert r.status_code == 200
                samples.append(e)
            cpu = [(a - b) / len(samples) for a, b in zip(self.cpu(), cpu0)]
            out[key] = (label, samples, n, reads[key], cpu)
            print(f"[{self.engine}] {label}: p50/p95 {ms(samples)} over {len(samples)} calls ({n} items); CPU a call: server "
                  f"{cpu[0] * 1000:.0f} ms, PostgreSQL {cpu[1] * 1000:.0f} ms", flush=True)
        self.result["search"] = out
        self.result["search_queue"] = (qid, counts.get(qid, 0))


def run_engine(engine, args):
    run = Run(engine, args)
    began = time.perf_counter()
    loads, stop = [], threading.Event()

    def sample():  # the machine is shared: record its 1-minute load average while this engine runs
        while not stop.wait(5):
            loads.append(float(loadavg()[0]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run.result["loads"] = loads
    try:
        run.start()
        run.setup_calendar()
        run.generate()
        items, elapsed = run.make_orders(args.orders + 1)
        run.result["orders"] = (args.orders + 1, elapsed)
        print(f"[{engine}] {args.orders + 1} orders in {elapsed:.1f} s ({(args.orders + 1) / elapsed:.0f}/s, 8 clients)", flush=True)
        spare = items.pop()
        run.book(items)
        run.verify()
        run.search(spare)
        run.result["total"] = time.perf_counter() - began
        return run.result
    finally:
        stop.set()
        run.stop()


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def report(results, args, binary, notes, load_before, load_after):
    def col(fn):
        return [fn(r) for r in results]

    def row(label, fn):
        return f"| {label} | " + " | ".join(col(fn)) + " |"

    names = {"sqlite": "SQLite (embedded)", "postgres": "PostgreSQL 15"}
    pg = subprocess.run(["bash", "-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1"], capture_output=True, text=True).stdout.strip()
    pg_version = subprocess.run([f"{pg}/postgres", "--version"], capture_output=True, text=True).stdout.strip() if pg else "?"
    b = lambda r: r["book"]  # noqa: E731
    lines = [
        "# Scheduling: bookings and slot search (issue #7)",
        "",
        f"{datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores (shared with the client) · server "
        f"{binary_note(pathlib.Path(binary))} · {pg_version} (throwaway cluster, fsync=off) · load average before "
        f"{' '.join(load_before)}, after {' '.join(load_after)}",
        "",
        f"{QUEUES} queues (devices), each with 18 `daily` 30-minute templates 08:00–17:00 and 8 + 8 `weekday` templates "
        f"08:00–12:00 for Saturday and Sunday, capacity {CAPACITY} units a slot, bookable 365 days ahead; a year of slots "
        f"made per queue with `POST …/generate {{days: 365}}`. {args.clients} client threads book {args.orders:,} one-unit "
        "items (one order each), each into the next available slot of a random queue.",
        "",
        "| | " + " | ".join(names[r["engine"]] for r in results) + " |",
        "|---|" + "---|" * len(results),
        row("server binary at this engine's start", lambda r: r["binary"]),
        row("**calendar**: 30 queues + templates (one POST each)", lambda r: f"{r['setup'][1]:,} templates in {r['setup'][0]:.1f} s"),
        row("**generation**: a year × 30 queues (30 POSTs in turn)",
            lambda r: f"**{r['generate']['total']:.1f} s** ({r['generate']['made']:,} slots, {r['generate']['made'] / r['generate']['total']:,.0f} slots/s)"),
        row("generation, one queue-year p50 / max", lambda r: f"{pct(r['generate']['per_queue'], 50):.2f} / {max(r['generate']['per_queue']):.2f} s"),
        row("generation CPU: server / PostgreSQL", lambda r: f"{r['generate']['cpu'][0]:.0f} s / " + (f"{r['generate']['cpu'][1]:.0f} s" if r["engine"] == "postgres" else "–")),
        row("orders created (8 clients)", lambda r: f"{r['orders'][0]:,} in {r['orders'][1]:.1f} s ({r['orders'][0] / r['orders'][1]:.0f}/s)"),
        row(f"**bookings/s**, {args.clients} clients (201s ÷ wall time)",
            lambda r: f"**{b(r)['codes']['201'] / b(r)['wall']:.1f}/s** ({b(r)['codes']['201']:,} in {b(r)['wall']:.1f} s)"),
        row("POST attempts/s (201 + 409)",
            lambda r: f"{(len(b(r)['post201']) + len(b(r)['post409'])) / b(r)['wall']:.1f}/s"),
        row("answers to POST /appointments", lambda r: ", ".join(f"{k}: {v:,}" for k, v in sorted(b(r)['codes'].items()))),
        row("POST /appointments latency, 201 (p50 / p95)", lambda r: ms(b(r)["post201"])),
        row("POST /appointments latency, 409 (p50 / p95)", lambda r: ms(b(r)["post409"])),
        row("GET next-available under the booking load (p50 / p95)", lambda r: ms(b(r)["get"])),
        row("one booking end to end: searches + POSTs until 201 (p50 / p95)", lambda r: ms(b(r)["e2e"])),
        row("items not booked (no option left / error / time up)",
            lambda r: f"{b(r)['unbooked']} / {len(b(r)['errors'])} / {args.orders - b(r)['attempted']}"),
        row("server CPU during the booking phase", lambda r: f"{b(r)['cpu']:.0f} s ({b(r)['cpu'] / b(r)['wall'] * 100:.0f} % of one core; "
                                                            f"{b(r)['cpu'] / max(1, len(b(r)['post201']) + len(b(r)['post409']) + len(b(r)['get'])) * 1000:.1f} ms a request)"),
        row("PostgreSQL CPU during the booking phase", lambda r: f"{b(r)['db_cpu']:.0f} s" if r["engine"] == "postgres" else "–"),
        row("client (python) CPU during the booking phase", lambda r: f"{b(r)['client_cpu']:.0f} s"),
        row("**no overbooking**: slots checked, over capacity, full",
            lambda r: f"{r['verify']['checked']:,} checked, **{r['verify']['over']} over**, {r['verify']['full']:,} full"),
        row("units used in slots = 201s = appointments listed booked",
            lambda r: f"{r['verify']['used']:,} = {r['verify']['booked']:,} = {r['verify']['listed']:,}"
                      + (" ✓" if r['verify']['used'] == r['verify']['booked'] == r['verify']['listed'] else " ✗")),
    ]
    if results and "search" in results[0]:
        for key in results[0]["search"]:
            label = results[0]["search"][key][0]
            lines.append(row(f"**search**: {label} (p50 / p95)", lambda r, k=key: f"{ms(r['search'][k][1])} ({r['search'][k][3]} slots read, {r['search'][k][2]} returned; CPU a call "
                                             f"{r['search'][k][4][0] * 1000:.0f} ms server" + (f" + {r['search'][k][4][1] * 1000:.0f} ms PostgreSQL" if r["engine"] == "postgres" else "") + ")"))
    lines += [
        row("total for this engine", lambda r: f"{r['total']:.0f} s"),
        row("machine load (1-min average) while it ran: mean / max",
            lambda r: f"{statistics.mean(r['loads']):.1f} / {max(r['loads']):.1f}" if r["loads"] else "?"),
        "",
        "What the numbers mean:",
        "- **generation**: wall time of making one year of slots for all 30 queues, one `generate` request per queue sent one "
        "after the other (the way an administrator remakes a timetable); each request writes the queue's year in one transaction (before 2026-11-29 20:45 one transaction per day).",
        f"- **bookings/s**: successful bookings (HTTP 201) per second of the booking phase, {args.clients} clients "
        "racing; every booking is one unit in a slot that next-available offered. A 409 is the server refusing a slot "
        "another client took first (`slot_full` from the conditional UPDATE, or `slot_unavailable` from the check before "
        "the transaction); the client then tries the next option, so 409s cost time but are not errors.",
        "- **latency p50 / p95**: time at the client for one HTTP request (both cores are shared by the server and the "
        f"{args.clients} python client threads, so under load part of it is waiting for a core).",
        "- **no overbooking**: read back after the race through `GET …/slots` for every queue and every date from today to "
        "+31 days; `used` never exceeds `capacity` and the units match the 201s one for one.",
        f"- **search**: one client and no other requests from this bench (the machine itself was shared, see the load row), {args.samples} calls after a warm-up (fewer, at least 10, when they would take more than 15 s), on the queue with the most "
        "bookings (its first days full), with the year of slots for 30 queues in the database. next-available reads every "
        "slot of the window it searches, each with one more query for its quota use (`SlotCalendar.slots`), then picks the "
        "first five that take the item; so its cost grows with the window, not with the answer.",
        "- Binaries: " + "; ".join(notes) + f". This run used {binary_note(pathlib.Path(binary))}.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=None, help="yunying binary (default: release if it serves scheduling, else debug)")
    ap.add_argument("--engines", default="sqlite,postgres")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--orders", type=int, default=1500, help="items to book (one order each)")
    ap.add_argument("--book-seconds", type=float, default=60, help="most the booking phase may last")
    ap.add_argument("--samples", type=int, default=30, help="timed calls per search request")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scheduling.md"))
    args = ap.parse_args()
    binary, notes = pick_binary(args.bin)
    if not serves_scheduling(binary):
        sys.exit(f"{binary} does not serve the scheduling API (built before issue #7?)")
    yyserver.BIN = binary
    print(f"server binary: {binary}; " + "; ".join(notes), flush=True)
    load_before = loadavg()
    results = [run_engine(e, args) for e in args.engines.split(",") if e]
    text = report(results, args, binary, notes, load_before, loadavg())
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
