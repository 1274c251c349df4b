"""Browser test of 查询远程PACS (VIEW-01, issue #6) on the 检查列表 page with a real remote PACS.

Starts its own Yunying server (ports 19744/19745 unless YUNYING_REMOTE_E2E_PORT says otherwise) and Debian's Orthanc as
the remote PACS (HTTP 19770, DICOM 19771) knowing Yunying as a C-MOVE destination. Orthanc holds two studies that are
not in Yunying: the synthetic chest CT of patient P0077777 (41 images) and a one-image study of another patient. The
remote PACS is registered as a DICOM node over the API as the administrator. The dialog lists the nodes from
GET /api/dicom/remote-nodes, which needs only study.view, like querying and retrieving.
  - The department head (study.view, no dicom.nodes.manage): in the dialog they choose ORTHANC (shown with its
    description, not its address), search by patient ID, see the one study with its date, modality, description and
    41 images, press 取回, see the progress and then "已取回 41 幅图像"; 打开 opens the study in the viewer, whose
    first image loads; the DICOM files in Yunying's archive are Orthanc's.
  - A search with no criterion is refused in words before asking the PACS; a study already here is marked 本地已有.
  - The demo attending (study.view, refused the node table itself) lists the nodes and queries too; with the node
    switched off the dialog says 尚未配置远程 PACS 节点，请联系系统管理员.
Screenshots: Tests/e2e/artifacts/65…70-worklist-remote-*.png.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import css_testid, screenshot, wait_visible
from test_viewer import BIN, STORESCU, DEMO_PASSWORD, HEAD_PASSWORD, ADMIN_PASSWORD, SLOW, make_ct, wait_port, sign_in
from test_viewer_priors import rewrite

HTTP_PORT = int(os.environ.get("YUNYING_REMOTE_E2E_PORT", "19744"))
DICOM_PORT = HTTP_PORT + 1
ORTHANC_HTTP = 19770
ORTHANC_DICOM = 19771
ORTHANC = "/usr/sbin/Orthanc"
ATTENDING_PASSWORD = "Att#Yunying2026x"

pydicom = pytest.importorskip("pydicom")
requests = pytest.importorskip("requests")
pytestmark = pytest.mark.skipif(not (os.access(BIN, os.X_OK) and os.path.exists(STORESCU) and os.access(ORTHANC, os.X_OK)),
                                reason="needs the server binary, DCMTK storescu and Orthanc")


def wait_tcp(port, timeout=30):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def change_password(base, username, new):
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    c = s.post(base + "/api/me/password", json={"currentPassword": DEMO_PASSWORD, "newPassword": new})
    assert c.status_code in (200, 204), c.text


@pytest.fixture(scope="module")
def remote():
    data = tempfile.mkdtemp(prefix="yy-remote-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    orthanc_dir = os.path.join(data, "orthanc")
    os.makedirs(orthanc_dir)
    config = {
        "Name": "remote", "DicomAet": "ORTHANC", "DicomPort": ORTHANC_DICOM, "HttpPort": ORTHANC_HTTP,
        "StorageDirectory": os.path.join(orthanc_dir, "db"), "IndexDirectory": os.path.join(orthanc_dir, "db"),
        "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "DicomCheckCalledAet": False,
        "DicomModalities": {"yunying": ["YUNYING", "127.0.0.1", DICOM_PORT]},
        "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "DicomAlwaysAllowFind": True, "DicomAlwaysAllowMove": True,
        "Plugins": [], "StorageCompression": False, "DefaultEncoding": "Utf8",
    }
    with open(os.path.join(orthanc_dir, "orthanc.json"), "w") as f:
        json.dump(config, f)
    olog = open(os.path.join(orthanc_dir, "orthanc.log"), "w")
    orthanc = subprocess.Popen([ORTHANC, os.path.join(orthanc_dir, "orthanc.json")], stdout=olog, stderr=olog,
                               env=dict(os.environ, TCP_NODELAY="1"))
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        wait_tcp(ORTHANC_DICOM)
        files = make_ct(os.path.join(data, "ct"))
        study, remote_files = rewrite(files, os.path.join(data, "remote"), date="20240315", patient=("P0077777", "王五"))
        other, other_files = rewrite(files, os.path.join(data, "other"), date="20240316", patient=("P0066666", "赵六"),
                                     keep=lambda ds: "LOCALIZER" in list(ds.ImageType))
        for batch in (remote_files, other_files):
            r = subprocess.run([STORESCU, "-aet", "LOADER", "-aec", "ORTHANC", "127.0.0.1", str(ORTHANC_DICOM), *batch],
                               capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
            assert r.returncode == 0, r.stderr
        stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{ORTHANC_HTTP}/statistics"))
        assert stats["CountStudies"] == 2 and stats["CountInstances"] == len(remote_files) + 1, stats

        admin = requests.Session()
        login = admin.post(base + "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        admin.headers["X-CSRF-Token"] = login.json()["csrfToken"]
        node = admin.post(base + "/api/dicom/application-entities",
                          json={"aeTitle": "ORTHANC", "host": "127.0.0.1", "port": ORTHANC_DICOM, "description": "区医院PACS"})
        assert node.status_code == 201, node.text
        change_password(base, "head", HEAD_PASSWORD)
        change_password(base, "attending", ATTENDING_PASSWORD)
        sops = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in remote_files}
        yield {"base": base, "study": study, "other": other, "sops": sops, "count": len(remote_files), "data": data,
               "admin": admin, "node": node.json()["id"]}
    finally:
        for p in (proc, orthanc):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
        olog.close()
        shutil.rmtree(data, ignore_errors=True)


def sign_in_as(d, base, username, password):
    d.get(f"{base}/#/worklist")
    wait_visible(d, "login-username", SLOW).send_keys(username)
    wait_visible(d, "login-password").send_keys(password)
    wait_visible(d, "login-submit").click()
    wait_visible(d, "worklist-page", SLOW)


def test_query_and_retrieve_from_orthanc_then_open(browser, remote):
    d = browser
    sign_in_as(d, remote["base"], "head", HEAD_PASSWORD)
    wait_visible(d, "wl-remote").click()
    dialog = wait_visible(d, "remote-pacs-dialog")
    WebDriverWait(d, SLOW).until(lambda d: d.find_element(By.CSS_SELECTOR, css_testid("rp-node")).is_enabled())
    node = Select(d.find_element(By.CSS_SELECTOR, css_testid("rp-node")))
    assert [o.text for o in node.options] == ["ORTHANC · 区医院PACS"]

    # Nothing typed: refused in words, without asking the PACS.
    wait_visible(d, "rp-query").click()
    alert = wait_visible(d, "rp-alert")
    assert "请至少填写患者姓名、患者ID、检查号或检查日期之一" in alert.text

    # By patient ID: the one study.
    d.find_element(By.CSS_SELECTOR, css_testid("rp-patientId")).send_keys("P0077777")
    wait_visible(d, "rp-query").click()
    WebDriverWait(d, SLOW).until(lambda d: d.find_elements(By.CSS_SELECTOR, css_testid("rp-row")))
    rows = d.find_elements(By.CSS_SELECTOR, css_testid("rp-row"))
    assert len(rows) == 1 and rows[0].get_attribute("data-uid") == remote["study"]
    text = rows[0].text
    assert "王五" in text and "P0077777" in text and "2024-03-15" in text and "CT" in text and str(remote["count"]) in text, text
    assert "共找到 1 个检查" in wait_visible(d, "rp-summary").text
    assert not rows[0].find_elements(By.CSS_SELECTOR, css_testid("rp-local")), "not here yet"
    screenshot(d, "65-worklist-remote-results.png")

    # 取回: progress, then the outcome and 打开.
    rows[0].find_element(By.CSS_SELECTOR, css_testid("rp-retrieve")).click()
    wait_visible(d, "rp-progress")
    screenshot(d, "66-worklist-remote-retrieving.png")
    done = wait_visible(d, "rp-done", 120)
    assert f"已取回 {remote['count']} 幅图像" in done.text, done.text
    screenshot(d, "67-worklist-remote-done.png")
    # Yunying now has the study, with Orthanc's instances.
    s = requests.Session()
    login = s.post(remote["base"] + "/api/auth/login", json={"username": "head", "password": HEAD_PASSWORD})
    assert login.status_code == 200
    r = s.get(remote["base"] + f"/dicomweb/studies/{remote['study']}/instances", headers={"Accept": "application/dicom+json"})
    assert r.status_code == 200, r.text
    assert {i["00080018"]["Value"][0] for i in r.json()} == remote["sops"]

    # A second search marks it 本地已有.
    wait_visible(d, "rp-query").click()
    WebDriverWait(d, SLOW).until(lambda d: d.find_elements(By.CSS_SELECTOR, css_testid("rp-local")))
    assert f"本地已有 {remote['count']} 幅" in d.find_element(By.CSS_SELECTOR, css_testid("rp-local")).text

    # 打开: the viewer in its own tab, first image loaded.
    main = d.current_window_handle
    d.find_element(By.CSS_SELECTOR, css_testid("rp-open")).click()
    WebDriverWait(d, SLOW).until(lambda d: len(d.window_handles) == 2)
    d.switch_to.window([h for h in d.window_handles if h != main][0])
    WebDriverWait(d, SLOW).until(lambda d: "/viewer/" in d.current_url and remote["study"] in d.current_url)
    WebDriverWait(d, SLOW).until(lambda d: d.execute_script(
        "const s = window.viewerTest && window.viewerTest.state(); return s && s.cells.length && s.cells[0].loaded"))
    st = d.execute_script("return window.viewerTest.state()")
    assert st["study"] == remote["study"] and st["cells"][0]["sop"] in remote["sops"]
    screenshot(d, "68-worklist-remote-opened.png")
    d.close()
    d.switch_to.window(main)
    assert dialog.is_displayed()


def test_reader_without_node_permission_lists_and_queries(browser, remote):
    """The attending has study.view but not dicom.nodes.manage: the node table stays closed to them, the dialog's
    list of remote PACS does not."""
    base = remote["base"]
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": "attending", "password": ATTENDING_PASSWORD})
    assert login.status_code == 200, login.text
    assert "dicom.nodes.manage" not in login.json()["user"]["permissions"]
    assert s.get(base + "/api/dicom/application-entities").status_code == 403
    listed = s.get(base + "/api/dicom/remote-nodes")
    assert listed.status_code == 200 and listed.json()["items"] == [{"id": remote["node"], "aeTitle": "ORTHANC", "description": "区医院PACS"}]

    d = browser
    sign_in_as(d, base, "attending", ATTENDING_PASSWORD)
    b = wait_visible(d, "wl-remote")
    assert "DICOM 节点管理" not in (b.get_attribute("title") or "")
    b.click()
    wait_visible(d, "remote-pacs-dialog")
    WebDriverWait(d, SLOW).until(lambda d: d.find_element(By.CSS_SELECTOR, css_testid("rp-node")).is_enabled())
    assert [o.text for o in Select(d.find_element(By.CSS_SELECTOR, css_testid("rp-node"))).options] == ["ORTHANC · 区医院PACS"]
    assert not d.find_element(By.CSS_SELECTOR, css_testid("rp-alert")).is_displayed()
    d.find_element(By.CSS_SELECTOR, css_testid("rp-patientId")).send_keys("P0066666")
    wait_visible(d, "rp-query").click()
    WebDriverWait(d, SLOW).until(lambda d: d.find_elements(By.CSS_SELECTOR, css_testid("rp-row")))
    rows = d.find_elements(By.CSS_SELECTOR, css_testid("rp-row"))
    assert len(rows) == 1 and rows[0].get_attribute("data-uid") == remote["other"]
    assert "赵六" in rows[0].text and "2024-03-16" in rows[0].text, rows[0].text
    screenshot(d, "69-worklist-remote-attending.png")
    wait_visible(d, "rp-close").click()

    # No active node: a clean empty state, nothing to query.
    admin = remote["admin"]
    off = admin.put(base + f"/api/dicom/application-entities/{remote['node']}", json={"active": False})
    assert off.status_code == 200, off.text
    try:
        wait_visible(d, "wl-remote").click()
        alert = wait_visible(d, "rp-alert", SLOW)
        assert alert.text == "尚未配置远程 PACS 节点，请联系系统管理员", alert.text
        assert not d.find_element(By.CSS_SELECTOR, css_testid("rp-query")).is_enabled()
        assert not d.find_element(By.CSS_SELECTOR, css_testid("rp-node")).is_enabled()
        screenshot(d, "70-worklist-remote-no-nodes.png")
    finally:
        on = admin.put(base + f"/api/dicom/application-entities/{remote['node']}", json={"active": True})
        assert on.status_code == 200, on.text
