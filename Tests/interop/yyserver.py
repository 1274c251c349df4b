"""Starts the Yunying server binary for interop tests: its own data directory, free ports, demo users, logins."""
import os
import pathlib
import signal
import subprocess

import requests

from netutil import free_port, wait_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("YUNYING_BIN", str(ROOT / ".build/debug/yunying"))
ADMIN_PASSWORD = "Net#Yunying2026"
DEMO_PASSWORD = "Demo#2026pwA"


class Server:
    def __init__(self, data, peers="", duplicates="keep-first", **env):
        self.data = data
        self.http, self.dicom = free_port(), free_port()
        self.env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(self.http), YUNYING_DICOM_PORT=str(self.dicom),
                        YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
                        YUNYING_DICOM_PEERS=peers, YUNYING_DICOM_DUPLICATES=duplicates, **env)
        self.proc = None

    def demo(self):
        """Files the demo institutions and one user per role (before start: SQLite takes one writer process)."""
        subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=self.env, check=True, capture_output=True)
        return self

    def start(self):
        self.log = open(os.path.join(self.data, "server.log"), "a")
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        wait_port(self.dicom)
        wait_port(self.http)
        return self

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)

    def url(self, path):
        return f"http://127.0.0.1:{self.http}/{path}"

    def session(self, username="admin", password=ADMIN_PASSWORD, new_password=None):
        s = requests.Session()
        r = s.post(self.url("api/auth/login"), json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        s.headers["X-CSRF-Token"] = r.json()["csrfToken"]
        if r.json()["user"].get("passwordChangeRequired") and new_password:
            c = s.post(self.url("api/me/password"), json={"currentPassword": password, "newPassword": new_password})
            assert c.status_code in (200, 204), c.text
        return s
