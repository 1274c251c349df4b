"""Interop: Yunying's DICOM listener against DCMTK's echoscu and pynetdicom, over loopback."""
import os
import pathlib
import socket
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("YUNYING_BIN", str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/yunying"))
ECHOSCU = "/usr/bin/echoscu"  # pip's pynetdicom installs a console script of the same name


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-net-")
    http, dicom = free_port(), free_port()
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(http), YUNYING_DICOM_PORT=str(dicom),
               YUNYING_ADMIN_PASSWORD="Net#Yunying2026", YUNYING_AE_TITLE="YUNYING")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", dicom), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield dicom
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.skipif(not os.path.exists(ECHOSCU), reason="DCMTK not installed")
def test_dcmtk_echoscu(server):
    ok = subprocess.run([ECHOSCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(server)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    wrong = subprocess.run([ECHOSCU, "-aet", "CT01", "-aec", "NOBODY", "127.0.0.1", str(server)], capture_output=True, text=True)
    assert wrong.returncode != 0 and "Called AE Title Not Recognized" in (wrong.stdout + wrong.stderr)


def test_pynetdicom_echo_and_rejected_context(server):
    pynetdicom = pytest.importorskip("pynetdicom")
    from pynetdicom.sop_class import BasicGrayscalePrintManagementMeta, Verification

    ae = pynetdicom.AE(ae_title="WS01")
    ae.add_requested_context(Verification)
    ae.add_requested_context(BasicGrayscalePrintManagementMeta)
    assoc = ae.associate("127.0.0.1", server, ae_title="YUNYING")
    assert assoc.is_established
    contexts = {cx.abstract_syntax: cx.result for cx in assoc.rejected_contexts}
    assert contexts.get(BasicGrayscalePrintManagementMeta) == 0x03, "no print service: the context is rejected, not the association"
    status = assoc.send_c_echo()
    assert status.Status == 0x0000
    assoc.release()
    assert assoc.is_released


@pytest.mark.skipif(not os.path.exists(ECHOSCU), reason="DCMTK not installed")
def test_only_known_peers_when_accept_any_is_off():
    data = tempfile.mkdtemp(prefix="yy-net-")
    http, dicom = free_port(), free_port()
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(http), YUNYING_DICOM_PORT=str(dicom),
               YUNYING_ADMIN_PASSWORD="Net#Yunying2026", YUNYING_DICOM_PEERS="CT01@127.0.0.1:104",
               YUNYING_DICOM_ACCEPT_ANY="false")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", dicom), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        known = subprocess.run([ECHOSCU, "-aet", "CT01", "-aec", "YUNYING", "127.0.0.1", str(dicom)], capture_output=True, text=True)
        assert known.returncode == 0, known.stderr
        stranger = subprocess.run([ECHOSCU, "-aet", "STRANGER", "-aec", "YUNYING", "127.0.0.1", str(dicom)], capture_output=True, text=True)
        assert stranger.returncode != 0 and "Calling AE Title Not Recognized" in (stranger.stdout + stranger.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_garbage_gets_an_abort_not_a_crash(server):
    with socket.create_connection(("127.0.0.1", server), timeout=5) as s:
        s.sendall(b"\x09\x00\x00\x00\x00\x02hi")
        reply = s.recv(16)
    assert reply[:1] == b"\x07", reply  # A-ABORT
    ok = subprocess.run([ECHOSCU, "-aec", "YUNYING", "127.0.0.1", str(server)], capture_output=True)
    assert ok.returncode == 0, "the listener still serves after a bad peer"
