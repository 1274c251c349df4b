"""Starts Debian's Orthanc on free ports in a temporary folder (for interop tests and benchmarks)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

ORTHANC = "/usr/sbin/Orthanc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Orthanc:
    def __init__(self, aet="ORTHANC", modalities=None):
        self.dir = tempfile.mkdtemp(prefix="yy-orthanc-")
        self.aet = aet
        self.http, self.dicom = free_port(), free_port()
        config = {
            "Name": "interop", "DicomAet": aet, "DicomPort": self.dicom, "HttpPort": self.http,
            "StorageDirectory": os.path.join(self.dir, "db"), "IndexDirectory": os.path.join(self.dir, "db"),
            "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "DicomCheckCalledAet": False,
            "DicomModalities": {name: list(address) for name, address in (modalities or {}).items()},
            "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "DicomAlwaysAllowFind": True, "DicomAlwaysAllowMove": True,
            "Plugins": [], "StorageCompression": False, "DefaultEncoding": "Utf8",
        }
        self.config = os.path.join(self.dir, "orthanc.json")
        with open(self.config, "w") as f:
            json.dump(config, f)
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "orthanc.log"), "w")
        self.proc = subprocess.Popen([ORTHANC, self.config], stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.dicom), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Orthanc did not start: " + open(os.path.join(self.dir, "orthanc.log")).read()[-2000:])

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)
