"""Starts Debian's Orthanc on free ports in a temporary folder (for interop tests and benchmarks)."""
import json
import os
import shutil
import subprocess
import tempfile

from netutil import free_port, wait_port

ORTHANC = "/usr/sbin/Orthanc"


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
        # DCMTK (inside Orthanc) leaves Nagle on unless TCP_NODELAY is set: each response would wait for a delayed ACK.
        env = dict(os.environ, TCP_NODELAY="1")
        self.proc = subprocess.Popen([ORTHANC, self.config], stdout=self.log, stderr=self.log, env=env)
        wait_port(self.dicom)
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)
