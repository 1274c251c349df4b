"""Interop: routing rules and the persistent outbox (DCM-02) against a pynetdicom SCP that misbehaves.

The destination refuses each object once (0xA700), then drops the association mid-send, then accepts. The outbox
must retry with backoff, survive a restart of Yunying in the middle, and deliver every instance exactly once.
A destination that never answers ends in dead letters, which can be replayed.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

import synthetic
from netutil import free_port
from yyserver import Server

pydicom = pytest.importorskip("pydicom")
pynetdicom = pytest.importorskip("pynetdicom")
from pynetdicom import AE, evt  # noqa: E402
from pynetdicom.sop_class import CTImageStorage  # noqa: E402

STORESCU = "/usr/bin/storescu"
pytestmark = pytest.mark.skipif(not os.path.exists(STORESCU), reason="DCMTK not installed")


class MoodySCP:
    """Refuses an instance the first time, aborts the association the second time, stores it the third time."""

    def __init__(self, port):
        self.seen = {}
        self.stored = {}
        self.lock = threading.Lock()
        ae = AE(ae_title="ROUTE1")
        ae.add_supported_context(CTImageStorage, ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
        self.server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, self.on_store)])

    def on_store(self, event):
        uid = event.request.AffectedSOPInstanceUID
        with self.lock:
            self.seen[uid] = self.seen.get(uid, 0) + 1
            n = self.seen[uid]
        if n == 1:
            return 0xA700
        if n == 2:
            event.assoc.abort()
            return 0xA700
        with self.lock:
            self.stored[uid] = self.stored.get(uid, 0) + 1
        return 0x0000

    def stop(self):
        self.server.shutdown()


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_outbox_retries_survives_restart_and_delivers_exactly_once():
    data = tempfile.mkdtemp(prefix="yy-route-")
    route_port, dead_port = free_port(), free_port()
    scp = MoodySCP(route_port)
    server = Server(data, peers=f"ROUTE1@127.0.0.1:{route_port},NOWHERE@127.0.0.1:{dead_port}",
                    YUNYING_ROUTING_RETRY_SECONDS="1", YUNYING_ROUTING_MAX_ATTEMPTS="4").start()
    try:
        files = synthetic.make(os.path.join(data, "in"), ct_slices=4, mr_slices=2)
        ct = [f for f in files if pydicom.dcmread(f, stop_before_pixels=True).Modality == "CT"]
        admin = server.session()
        bad = admin.post(server.url("api/routing/rules"), json={"name": "", "destinations": ["NOSUCHAE"],
                                                                "conditions": [{"field": "NoSuchAttribute", "value": ""}]})
        assert bad.status_code == 422, bad.text
        fields = {f["field"] for f in bad.json()["error"]["fields"]}
        assert {"name", "destinations", "conditions[0].field", "conditions[0].value"} <= fields
        rule = admin.post(server.url("api/routing/rules"), json={
            "name": "CT 转发到远程诊断", "destinations": ["ROUTE1"], "conditions": [{"field": "Modality", "value": "CT"},
                                                                            {"field": "callingAE", "value": "CT*"}]})
        assert rule.status_code == 201, rule.text
        dead_rule = admin.post(server.url("api/routing/rules"), json={
            "name": "MR 到停机节点", "destinations": ["NOWHERE"], "conditions": [{"field": "Modality", "value": "MR"}]})
        assert dead_rule.status_code == 201, dead_rule.text

        r = subprocess.run([STORESCU, "-aet", "CT01", "-aec", "YUNYING", "+sd", "127.0.0.1", str(server.dicom),
                            *map(str, files)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        ct_uids = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in ct}

        def outbox(**params):
            return admin.get(server.url("api/routing/outbox"), params={"pageSize": 100, **params}).json()["items"]

        # The first attempt is refused: every CT item is back to pending with one attempt and the reason in Chinese.
        wait_for(lambda: all(i["attempts"] >= 1 for i in outbox(destination="ROUTE1")) and len(outbox(destination="ROUTE1")) == len(ct_uids),
                 what="first attempts")
        errors = [i["lastError"] for i in outbox(destination="ROUTE1") if i["lastError"]]
        assert any("0xA700" in e for e in errors), errors

        # Restart in the middle of the retries: nothing queued is lost.
        server.stop()
        server.start()
        admin = server.session()
        wait_for(lambda: all(i["status"] == "done" for i in outbox(destination="ROUTE1")), timeout=90, what="delivery to ROUTE1")
        assert scp.stored == {uid: 1 for uid in ct_uids}, "every CT instance delivered exactly once"
        assert all(scp.seen[uid] == 3 for uid in ct_uids)

        # The MR study goes to a node that is down: dead letters after the last attempt, replayable.
        wait_for(lambda: outbox(destination="NOWHERE") and all(i["status"] == "dead" for i in outbox(destination="NOWHERE")),
                 timeout=90, what="dead letters")
        health = {h["destination"]: h for h in admin.get(server.url("api/routing/destinations")).json()["items"]}
        assert health["ROUTE1"]["state"] == "ok" and health["ROUTE1"]["delivered"] == len(ct_uids)
        assert health["NOWHERE"]["state"] == "failing" and health["NOWHERE"]["dead"] == 2 and "NOWHERE" in health["NOWHERE"]["lastError"]
        replay = admin.post(server.url("api/routing/outbox/retry-dead"), params={"destination": "NOWHERE"})
        assert replay.status_code == 200 and replay.json()["requeued"] == 2
        assert all(i["status"] in ("pending", "sending") or i["attempts"] >= 1 for i in outbox(destination="NOWHERE"))

    finally:
        server.stop()
        scp.stop()
        if not os.environ.get("KEEP"):
            shutil.rmtree(data, ignore_errors=True)
