"""Browser test of 申请单扫描件 on the registration desk (#/registration; issue #7: REG-05, REG-15).

Starts its own Yunying server from the prebuilt binary (.build/debug/yunying; `yunying demo` first, own data directory,
HTTP 19920 and DICOM 19921 unless YUNYING_SCANS_E2E_PORT says otherwise). An order arrives through the API (as the HIS
would); the demo `registrar` (registration.manage) then, in the browser:
  - finds the order, opens 申请单扫描件 (the file input takes JPG/PNG only and asks for the camera: accept
    image/jpeg,image/png, capture=environment) and uploads a JPG made with Pillow: it is listed as a thumbnail (the
    picture loaded through the session) and GET /api/scheduling/documents/{id} returns the very bytes sent;
  - a file named .jpg that is no picture is refused by the server (415) and the dialog says so in Chinese;
  - the thumbnail opens the picture large; back on the desk the order card shows the scan as a small thumbnail;
  - 删除 after a confirmation: the API lists no scan any more;
  - 新建申请单 with a PNG chosen in the form: the order is saved and the picture is uploaded with it (API: one scan,
    the same bytes).
Screenshots: Tests/e2e/artifacts/116-registration-scans-*.png.
"""

import io
import os
import shutil
import subprocess
import tempfile

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import css_testid, screenshot, wait_gone, wait_text, wait_visible, within
from test_viewer import BIN, DEMO_PASSWORD, SLOW, wait_port

requests = pytest.importorskip("requests")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason="needs the server binary")

HTTP_PORT = int(os.environ.get("YUNYING_SCANS_E2E_PORT", "19920"))
DICOM_PORT = HTTP_PORT + 1
ADMIN_PASSWORD = "Scan#Yunying2026"
REGISTRAR_PASSWORD = "Reg#Yunying2026x"


def session(base, username, password, new_password=None):
    s = requests.Session()
    login = s.post(base + "/api/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    s.headers["X-CSRF-Token"] = login.json()["csrfToken"]
    if new_password:
        c = s.post(base + "/api/me/password", json={"currentPassword": password, "newPassword": new_password})
        assert c.status_code in (200, 204), c.text
    return s


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="yy-scans-e2e-")
    env = dict(os.environ, YUNYING_DATA_DIR=data, YUNYING_HTTP_PORT=str(HTTP_PORT), YUNYING_DICOM_PORT=str(DICOM_PORT),
               YUNYING_ADMIN_PASSWORD=ADMIN_PASSWORD, YUNYING_AE_TITLE="YUNYING", YUNYING_BCRYPT_COST="4",
               YUNYING_AUTO_REGISTER="", YUNYING_WEB_DIR=os.path.join(os.path.dirname(__file__), "..", "..", "Web"))
    subprocess.run([BIN, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True)
    log = open(os.path.join(data, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    try:
        wait_port(base + "/healthz")
        registrar = session(base, "registrar", DEMO_PASSWORD, REGISTRAR_PASSWORD)
        yield {"base": base, "data": data, "registrar": registrar}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def api(server, method, path, **kw):
    r = server["registrar"].request(method, server["base"] + path, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.text else None


def paper_form(fmt, text):
    """A photographed paper order form: white page, a title bar and ruled lines."""
    img = Image.new("RGB", (900, 1200), (250, 250, 246))
    draw = ImageDraw.Draw(img)
    draw.rectangle([40, 40, 860, 140], outline=(20, 60, 140), width=6)
    draw.text((70, 80), text, fill=(20, 20, 20))
    for y in range(200, 1150, 60):
        draw.line([60, y, 840, y], fill=(120, 120, 120), width=2)
    draw.ellipse([650, 950, 820, 1120], outline=(200, 30, 30), width=8)  # the department's stamp
    out = io.BytesIO()
    img.save(out, fmt, quality=90) if fmt == "JPEG" else img.save(out, fmt)
    return out.getvalue()


def sign_in(d, base):
    d.get(f"{base}/#/registration")
    wait_visible(d, "login-username", SLOW).send_keys("registrar")
    wait_visible(d, "login-password").send_keys(REGISTRAR_PASSWORD)
    wait_visible(d, "login-submit").click()
    wait_visible(d, "reg-search", SLOW)


def order_card(d, order_no):
    return WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: next(
        (c for c in drv.find_elements(By.CSS_SELECTOR, css_testid("reg-order")) if c.get_attribute("data-order-no") == order_no), None))


def image_loaded(d, el):
    return d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0 && arguments[0].src.startsWith('blob:')", el)


def test_order_scans(browser, server, tmp_path):
    d = browser
    base = server["base"]
    order = api(server, "POST", "/api/scheduling/orders", json={
        "patient": {"patientId": "E2E-SCAN-01", "name": "Li^Na=李^娜", "sex": "F", "birthDate": "19860304"}, "source": "outpatient",
        "channel": "his", "department": "消化内科", "items": [{"itemCode": "CT-ABD", "itemName": "腹部CT平扫", "modality": "CT"}]})
    jpg = paper_form("JPEG", "ORDER FORM E2E-SCAN-01")
    jpg_path = tmp_path / "申请单-李娜.jpg"
    jpg_path.write_bytes(jpg)
    fake_path = tmp_path / "not-a-picture.jpg"
    fake_path.write_bytes(b"%PDF-1.4 this is no picture\n")

    sign_in(d, base)
    d.switch_to.active_element.send_keys("E2E-SCAN-01" + Keys.ENTER)
    card = order_card(d, order["orderNo"])
    within(card, "reg-scans").click()
    dialog = wait_visible(d, "reg-scans-dialog")
    wait_visible(d, "reg-scan-empty")
    file_input = within(dialog, "reg-scan-drop-input")
    assert file_input.get_attribute("accept") == "image/jpeg,image/png"
    assert file_input.get_attribute("capture") == "environment"
    assert file_input.get_attribute("multiple") is not None

    # ---- upload a JPG: a thumbnail, and the API gives back the same bytes
    file_input.send_keys(str(jpg_path))
    WebDriverWait(d, SLOW).until(lambda _: len(dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-scan-item"))) == 1)
    thumb = within(dialog, "reg-scan-thumb")
    WebDriverWait(d, SLOW).until(lambda _: image_loaded(d, thumb))
    assert within(dialog, "reg-scan-name").text == "申请单-李娜.jpg"
    wait_text(d, "reg-scan-count", "1 / 20")
    docs = api(server, "GET", f"/api/scheduling/orders/{order['id']}/documents")["items"]
    assert len(docs) == 1 and docs[0]["contentType"] == "image/jpeg" and docs[0]["sizeBytes"] == len(jpg)
    got = server["registrar"].get(base + f"/api/scheduling/documents/{docs[0]['id']}")
    assert got.status_code == 200 and got.content == jpg, "the scan comes back byte for byte"
    screenshot(d, "116-registration-scans-uploaded.png")

    # ---- not a picture: the server's 415 in Chinese
    within(dialog, "reg-scan-drop-input").send_keys(str(fake_path))
    wait_text(d, "reg-scan-alert", "服务器拒收：申请单扫描件只能是 JPG 或 PNG 图片", SLOW)
    assert len(api(server, "GET", f"/api/scheduling/orders/{order['id']}/documents")["items"]) == 1
    screenshot(d, "116-registration-scans-refused.png")

    # ---- large view
    within(dialog, "reg-scan-open").click()
    large = wait_visible(d, "reg-scan-large")
    WebDriverWait(d, SLOW).until(lambda _: image_loaded(d, within(large, "reg-scan-large-img")))
    screenshot(d, "116-registration-scans-large.png")
    within(large, "reg-scan-large-close").click()
    wait_gone(d, "reg-scan-large")
    within(dialog, "reg-scan-close").click()
    wait_gone(d, "reg-scans-dialog")

    # ---- the card shows the scan as a small thumbnail
    card = order_card(d, order["orderNo"])
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _: image_loaded(d, within(order_card(d, order["orderNo"]), "reg-scan-mini-img")))
    assert within(order_card(d, order["orderNo"]), "reg-scans-label").text == "申请单扫描件（1）"
    screenshot(d, "116-registration-scans-card.png")

    # ---- 删除 after a confirmation
    within(order_card(d, order["orderNo"]), "reg-scans").click()
    dialog = wait_visible(d, "reg-scans-dialog")
    WebDriverWait(d, SLOW).until(lambda _: dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-scan-delete")))
    within(dialog, "reg-scan-delete").click()
    confirm = wait_visible(d, "confirm-dialog")
    assert "申请单-李娜.jpg" in confirm.text
    screenshot(d, "116-registration-scans-delete.png")
    within(confirm, "confirm-ok").click()
    wait_visible(d, "reg-scan-empty", SLOW)
    assert api(server, "GET", f"/api/scheduling/orders/{order['id']}/documents")["items"] == []
    within(dialog, "reg-scan-close").click()
    wait_gone(d, "reg-scans-dialog")
    WebDriverWait(d, SLOW).until(lambda _: not d.find_elements(By.CSS_SELECTOR, css_testid("reg-scan-mini")))

    # ---- 新建申请单 with a picture: uploaded once the order is saved
    png = paper_form("PNG", "ORDER FORM E2E-SCAN-02")
    png_path = tmp_path / "form.png"
    png_path.write_bytes(png)
    wait_visible(d, "reg-new-order").click()
    dialog = wait_visible(d, "reg-order-dialog")
    within(dialog, "reg-f-patientId").send_keys("E2E-SCAN-02")
    within(dialog, "reg-f-name").send_keys("王芳")
    within(dialog, "reg-f-item-code").send_keys("CT-HEAD")
    within(dialog, "reg-f-item-name").send_keys("头颅CT平扫")
    scan_input = within(dialog, "reg-f-scan-drop-input")
    assert scan_input.get_attribute("capture") == "environment"
    scan_input.send_keys(str(png_path))
    WebDriverWait(d, 5).until(lambda _: len(dialog.find_elements(By.CSS_SELECTOR, css_testid("reg-f-scan"))) == 1)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", within(dialog, "reg-f-scans"))
    screenshot(d, "116-registration-scans-new-order.png")
    within(dialog, "modal-submit").click()
    wait_gone(d, "reg-order-dialog", SLOW)
    created = api(server, "GET", "/api/scheduling/orders", params={"q": "E2E-SCAN-02"})["items"]
    assert len(created) == 1
    docs = api(server, "GET", f"/api/scheduling/orders/{created[0]['id']}/documents")["items"]
    assert len(docs) == 1 and docs[0]["contentType"] == "image/png" and docs[0]["filename"] == "form.png"
    assert server["registrar"].get(base + f"/api/scheduling/documents/{docs[0]['id']}").content == png
    card = order_card(d, created[0]["orderNo"])
    WebDriverWait(d, SLOW, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _: image_loaded(d, within(order_card(d, created[0]["orderNo"]), "reg-scan-mini-img")))
    screenshot(d, "116-registration-scans-new-order-saved.png")
