"""Shared by the browser tests: the server under test, the headless Chromium fixture and page helpers."""

import os
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE_URL = os.environ.get("YUNYING_E2E_URL", "").rstrip("/")
ADMIN_PASSWORD = os.environ.get("YUNYING_E2E_ADMIN_PASSWORD", "")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TIMEOUT = 15

needs_server = pytest.mark.skipif(
    not BASE_URL or not ADMIN_PASSWORD,
    reason="set YUNYING_E2E_URL and YUNYING_E2E_ADMIN_PASSWORD (Tests/e2e/run.sh does) to run the browser test",
)


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(TIMEOUT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


# ---------------------------------------------------------------- helpers


def css_testid(name):
    return f'[data-testid="{name}"]'


def wait_visible(driver, testid, timeout=TIMEOUT):
    return WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css_testid(testid))))


def wait_gone(driver, testid, timeout=TIMEOUT):
    WebDriverWait(driver, timeout).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, css_testid(testid))))


def wait_table_idle(driver, testid, timeout=TIMEOUT):
    """Wait until a data table has finished loading (it carries aria-busy while a request is running)."""
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'{css_testid(testid)}:not([aria-busy="true"])')
    )


def wait_text(driver, testid, text, timeout=TIMEOUT):
    """Wait until the element shows `text`; survives the element being re-rendered meanwhile."""
    WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: text in d.find_element(By.CSS_SELECTOR, css_testid(testid)).text
    )


def within(element, testid):
    return element.find_element(By.CSS_SELECTOR, css_testid(testid))


def screenshot(driver, name):
    time.sleep(0.3)  # let transitions (modal fade-in, toasts) settle
    driver.save_screenshot(str(ARTIFACTS / name))


def go(driver, route):
    driver.get(f"{BASE_URL}/#{route}")


def login(driver, username, password):
    driver.get(f"{BASE_URL}/")
    user_box = wait_visible(driver, "login-username")
    user_box.clear()
    user_box.send_keys(username)
    pwd_box = wait_visible(driver, "login-password")
    pwd_box.clear()
    pwd_box.send_keys(password)
    wait_visible(driver, "login-submit").click()


def logout(driver):
    wait_visible(driver, "user-menu").click()
    wait_visible(driver, "menu-logout").click()
    wait_visible(driver, "login-page")
