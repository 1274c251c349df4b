"""End-to-end test of routing (DCM-02) on the DICOM 节点 page: 路由规则 (#/dicom/routing) and 发送队列 (#/dicom/outbox).

Needs a running Yunying server loaded with demo data, like test_dicom_nodes.py (`Tests/e2e/run.sh` starts one):
  YUNYING_E2E_URL             base URL, e.g. http://127.0.0.1:18080
  YUNYING_E2E_ADMIN_PASSWORD  password of the bootstrap administrator `admin`

The administrator registers two destination nodes through the API, then builds a rule in the form: first the
form's own checks (no name, no destination), then the server's (an attribute keyword it does not know, shown under
that condition), then a valid rule, which the list shows in words. The send queue of a fresh server is empty; then a
CT image from a "CT…" calling AE (pydicom writes it, DCMTK's storescu sends it to the server's DICOM port, read from
GET /api/dicom/status) is queued for both destinations, which listen nowhere, so the queue shows the failed attempt
being retried, and 重发 puts a row back at the front.
Screenshots go to Tests/e2e/artifacts/ (12-routing-rule-form.png, 13-routing-rules.png, 14-routing-outbox.png,
15-routing-outbox-retrying.png).
"""

import tempfile
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import ADMIN_PASSWORD, TIMEOUT, css_testid, wait_visible, wait_gone, wait_table_idle, wait_text, within, screenshot, go, login, needs_server
from test_dicom_nodes import api, closed_port, dcmtk

pytestmark = needs_server


def condition_row(form, n):
    return within(form, f"rule-cond-{n}")


def set_condition(form, n, field, value, other=None, negate=False):
    row = condition_row(form, n)
    Select(within(row, "rule-cond-field")).select_by_value(field)
    if other is not None:
        box = within(row, "rule-cond-other")
        box.clear()
        box.send_keys(other)
    box = within(row, "rule-cond-value")
    box.clear()
    box.send_keys(value)
    if within(row, "rule-cond-negate").is_selected() != negate:
        within(row, "rule-cond-negate").click()


def ct_image(path):
    """A tiny CT image (8×8, explicit VR little endian); returns its study and SOP instance UIDs."""
    try:
        from pydicom.dataset import Dataset, FileMetaDataset
        from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
    except ImportError:
        pytest.fail("pydicom is needed to write the test image: pip install pydicom")
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.PatientName, ds.Modality, ds.StudyDate = "E2E-ROUTING", "ROUTING^TEST", "CT", "20261129"
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = bytes(8 * 8 * 2)
    ds.save_as(path, enforce_file_format=True)
    return ds.StudyInstanceUID, ds.SOPInstanceUID


def rule_row(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid^="rule-row-"][data-name="{name}"]')


def test_admin_sets_up_a_routing_rule_and_watches_the_send_queue(browser):
    d = browser
    login(d, "admin", ADMIN_PASSWORD)
    wait_visible(d, "home-welcome")

    # Two destination-only nodes (they never call us), made through the API.
    suffix = f"{int(time.time()) % 100000:05d}"
    pacs, ws = f"RTPACS{suffix}", f"RTWS{suffix}"
    node_ids = []
    for ae, description in ((pacs, "影像中心 PACS"), (ws, "远程阅片工作站")):
        status, node = api(d, "POST", "/api/dicom/application-entities", {"aeTitle": ae, "host": "127.0.0.1", "port": closed_port(), "description": description, "services": [], "active": True})
        assert status == 201, (status, node)
        node_ids.append(node["id"])
    rule_name = f"CT 转发影像中心 {suffix}"

    try:
        # 1. 路由规则: the tab is there for the administrator; without rules the page says nothing is forwarded.
        go(d, "/dicom/nodes")
        wait_visible(d, "dicom-tab-routing").click()
        wait_table_idle(d, "rules-table")
        assert d.current_url.endswith("#/dicom/routing"), d.current_url
        tabs = [e.get_attribute("data-testid") for e in d.find_elements(By.CSS_SELECTOR, '[data-testid^="dicom-tab-"]')]
        assert tabs == ["dicom-tab-nodes", "dicom-tab-associations", "dicom-tab-activity", "dicom-tab-routing", "dicom-tab-outbox"], tabs
        if not api(d, "GET", "/api/routing/rules")[1]["items"]:
            empty = wait_visible(d, "empty-state").text
            assert "尚未设置路由规则" in empty and "不会转发" in empty, empty

        # 2. 新增规则: the form's own checks first.
        wait_visible(d, "rule-add").click()
        form = wait_visible(d, "rule-form")
        assert "可用 * 和 ?，多个值用 \\ 分隔" in within(form, "rule-value-hint").text
        assert within(form, "rule-form-no-conditions").is_displayed()
        within(form, "modal-submit").click()
        wait_text(d, "error-name", "此项为必填项")
        wait_text(d, "error-destinations", "请至少选择一个目标节点")

        # Three conditions, the middle one with an attribute keyword the server does not know.
        within(form, "rule-form-name").send_keys(rule_name)
        within(form, "rule-form-description").send_keys("CT 影像送影像中心集中阅片")
        for _ in range(3):
            within(form, "rule-cond-add").click()
        set_condition(form, 0, "Modality", "CT")
        set_condition(form, 1, "*other", "MR", other="Modalty", negate=True)
        set_condition(form, 2, "callingAE", "CT*")
        within(form, f"rule-dest-{pacs}").click()
        within(form, f"rule-dest-{ws}").click()
        within(form, "modal-submit").click()
        wait_text(d, "error-conditions[1].field", "未知的属性")
        assert within(condition_row(form, 1), "rule-cond-other").get_attribute("aria-invalid") == "true"
        assert not d.find_element(By.CSS_SELECTOR, css_testid("error-name")).is_displayed()
        screenshot(d, "12-routing-rule-form.png")

        # Remove the bad condition; the last one moves up and the rule saves.
        within(condition_row(form, 1), "rule-cond-remove").click()
        assert Select(within(condition_row(form, 1), "rule-cond-field")).first_selected_option.get_attribute("value") == "callingAE"
        within(form, "modal-submit").click()
        wait_gone(d, "rule-form")

        # 3. The list shows the rule in words.
        WebDriverWait(d, TIMEOUT).until(lambda _: d.find_elements(By.CSS_SELECTOR, f'[data-testid^="rule-row-"][data-name="{rule_name}"]'))
        row = rule_row(d, rule_name)
        assert within(row, "rule-conditions").text == "设备类型 = CT 且 发送方 AE = CT*", within(row, "rule-conditions").text
        destinations = within(row, "rule-destinations").text
        assert pacs in destinations and ws in destinations, destinations
        assert within(row, "rule-state").text == "启用"
        rules = api(d, "GET", "/api/routing/rules")[1]["items"]
        stored = next(r for r in rules if r["name"] == rule_name)
        assert stored["conditions"] == [{"field": "Modality", "value": "CT"}, {"field": "callingAE", "value": "CT*"}], stored
        assert sorted(stored["destinations"]) == sorted([pacs, ws]), stored

        # Editing shows what was saved.
        within(rule_row(d, rule_name), "rule-edit").click()
        form = wait_visible(d, "rule-form")
        assert within(form, "rule-form-name").get_attribute("value") == rule_name
        assert within(condition_row(form, 1), "rule-cond-value").get_attribute("value") == "CT*"
        assert within(form, f"rule-dest-{pacs}").is_selected()
        within(form, "modal-cancel").click()
        wait_gone(d, "rule-form")
        screenshot(d, "13-routing-rules.png")

        # 4. 发送队列: nothing has arrived, so nothing waits; the page re-reads itself.
        wait_visible(d, "dicom-tab-outbox").click()
        wait_table_idle(d, "outbox-table")
        assert d.current_url.endswith("#/dicom/outbox"), d.current_url
        status, outbox = api(d, "GET", "/api/routing/outbox")
        assert status == 200, (status, outbox)
        if outbox["total"] == 0:
            empty = wait_visible(d, "empty-state").text
            assert "发送队列为空" in empty, empty
        wait_text(d, "outbox-updated", "每 5 秒自动刷新")
        options = [o.text for o in Select(wait_visible(d, "outbox-status")).options]
        assert options == ["全部状态", "待发送", "发送中", "已送达", "失败（死信）"], options
        screenshot(d, "14-routing-outbox.png")

        # 5. A CT image from a "CT…" node matches the rule: it is queued for both destinations, which listen nowhere.
        status, local = api(d, "GET", "/api/dicom/status")
        assert status == 200, (status, local)
        with tempfile.TemporaryDirectory() as tmp:
            study_uid, sop_uid = ct_image(Path(tmp) / "ct.dcm")
            sent = dcmtk("storescu", "-aet", f"CT{suffix}", "-aec", local["aeTitle"], "127.0.0.1", str(local["port"]), str(Path(tmp) / "ct.dcm"))
        assert sent.returncode == 0, sent.stderr

        def queued(driver):
            rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid^="outbox-row-"]')
            return rows if len(rows) == 2 and all(r.get_attribute("data-status") == "pending" and within(r, "outbox-status-badge").text == "待发送" for r in rows) else None

        # The page re-reads itself every 5 s; the first attempt fails at once (connection refused) and waits 30 s.
        rows = WebDriverWait(d, 30, ignored_exceptions=(StaleElementReferenceException,)).until(queued)
        text = " ".join(r.text for r in rows)
        assert pacs in text and ws in text and sop_uid[-10:] in text and study_uid[-10:] in text, text
        assert "待发送" in text, text
        card = wait_visible(d, f"dest-card-{pacs}")
        assert within(card, "dest-state").text == "重试中", card.text
        assert "最近错误" in card.text, card.text
        assert d.find_elements(By.CSS_SELECTOR, css_testid("dest-retry-all")) == [], "全部重发 is for dead letters only"
        screenshot(d, "15-routing-outbox-retrying.png")

        # 重发: the row goes back to the front of the queue.
        within(rows[0], "outbox-retry").click()
        wait_visible(d, "toast-success")
        assert "已重新加入发送队列" in d.find_element(By.CSS_SELECTOR, css_testid("toast-success")).text

        # The destination filter lists the destinations; choosing one narrows the table.
        Select(wait_visible(d, "outbox-destination")).select_by_value(pacs)
        WebDriverWait(d, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda drv: [r.text for r in drv.find_elements(By.CSS_SELECTOR, '[data-testid^="outbox-row-"]')] and all(pacs in r.text for r in drv.find_elements(By.CSS_SELECTOR, '[data-testid^="outbox-row-"]'))
        )

        # 6. 删除 the rule, after confirming.
        wait_visible(d, "dicom-tab-routing").click()
        wait_table_idle(d, "rules-table")
        within(rule_row(d, rule_name), "rule-delete").click()
        confirm = wait_visible(d, "confirm-dialog")
        assert rule_name in confirm.text
        wait_visible(d, "confirm-ok").click()
        WebDriverWait(d, TIMEOUT).until(lambda _: not d.find_elements(By.CSS_SELECTOR, f'[data-testid^="rule-row-"][data-name="{rule_name}"]'))
        assert all(r["name"] != rule_name for r in api(d, "GET", "/api/routing/rules")[1]["items"])
    finally:
        for node_id in node_ids:
            api(d, "DELETE", f"/api/dicom/application-entities/{node_id}")
