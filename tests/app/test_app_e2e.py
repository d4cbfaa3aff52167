"""End to end in a real browser: `streamlit run` on localhost over a small local database, driven by headless Chromium.

Debian's `chromium` and `chromium-driver` must be installed (`.ci/run` installs them); without them the
test fails with the install command rather than skipping. One screenshot per tab is saved in the test's
output directory (printed at the end); any Streamlit exception box fails the test.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from app_fixtures import add_docs_and_runs, build_app_warehouse
from stream_fixtures import stream_into, transaction

from c360_pipeline.app_launcher import app_command, app_environment
from c360_pipeline.config import PipelineConfig

pytestmark = pytest.mark.e2e

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1440,1800",
)
START_SECONDS = 90
STREAM_REFRESHED_AT = datetime(2025, 7, 1, 9, 30, 5)
RENDER_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail(
            "the end-to-end test needs Debian's headless Chromium and its driver, which are not installed: "
            "run `apt-get update && apt-get install -y chromium chromium-driver` (.ci/run does this)",
            pytrace=False,
        )
    return chromium, driver


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("e2e-home")
    build_app_warehouse(home, customers=60, transactions_per_customer=40, seed=11)
    add_docs_and_runs(home)  # GOLD.DOCS for the assistant's document answers, OPS.PIPELINE_RUNS for the Cost tab
    # Two transactions of CUST00000001 streamed on 2025-07-01, the dynamic table refreshed after them.
    stream_into(home, [transaction(1, 1, transaction_id="TXNSTREAMED01", transaction_date="2025-07-01 08:15:00"),
                       transaction(2, 1, transaction_id="TXNSTREAMED02", transaction_date="2025-07-01 09:05:00",
                                   status="declined")], STREAM_REFRESHED_AT)
    return home


@pytest.fixture(scope="module")
def server(warehouse_home, tmp_path_factory):
    """`streamlit run streamlit_app/streamlit_app.py` on a free localhost port; stopped after the module."""
    port = free_port()
    log = tmp_path_factory.mktemp("e2e-server") / "streamlit.log"
    command = app_command(port) + ["--server.fileWatcherType", "none"]
    environment = app_environment(PipelineConfig.build(home=warehouse_home))
    with open(log, "w") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start on {url}; its log:\n{log.read_text()}")
        time.sleep(0.5)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-downloads")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-screenshots")


@pytest.fixture(scope="module")
def browser(downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = browser_binaries()
    profile = tempfile.mkdtemp(prefix="c360-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(START_SECONDS)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# --- helpers -------------------------------------------------------------------------------------------------


def find(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def settle(driver, seconds: float = RENDER_SECONDS) -> None:
    """Wait until the script run is over: no 'running' indicator or loading skeleton for ~1 s."""
    deadline = time.monotonic() + seconds
    quiet = 0
    time.sleep(0.5)
    while time.monotonic() < deadline:
        busy = find(driver, '[data-testid="stStatusWidget"]') or find(driver, '[data-testid="stSkeleton"]')
        quiet = 0 if busy else quiet + 1
        if quiet >= 4:
            return
        time.sleep(0.3)
    raise AssertionError("the app kept running for more than {seconds} s")


def no_exception(driver) -> None:
    boxes = find(driver, '[data-testid="stException"]')
    assert not boxes, "Streamlit exception shown:\n" + "\n---\n".join(box.text for box in boxes)


def main_tabs(driver) -> list:
    """The app's top-level tabs (the first tab list; a tab may nest tabs of its own)."""
    from selenium.webdriver.common.by import By

    lists = find(driver, '[role="tablist"]')
    return lists[0].find_elements(By.CSS_SELECTOR, '[role="tab"]') if lists else []


def active_panel(driver):
    """The visible top-level tab panel (nested panels come after it in document order)."""
    panels = [p for p in find(driver, '[data-testid="stTabPanel"]') if p.is_displayed()]
    assert panels, "no tab panel is visible"
    return panels[0]


def metric_values(driver) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    values = {}
    for metric in active_panel(driver).find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'):
        label = metric.find_element(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text.strip()
        values[label] = metric.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text.strip()
    return values


def open_tab(driver, label: str) -> None:
    tab = next(t for t in main_tabs(driver) if t.text.strip() == label)
    tab.click()
    settle(driver)


def widget_input(driver, testid: str, label: str):
    """The <input> of the widget (by its data-testid) whose label reads `label`, in the visible tab."""
    from selenium.webdriver.common.by import By

    for widget in active_panel(driver).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'):
        if widget.find_element(By.CSS_SELECTOR, '[data-testid="stWidgetLabel"]').text.strip() == label:
            return widget.find_element(By.CSS_SELECTOR, "input")
    raise AssertionError(f"no {testid} labelled {label!r} in the visible tab")


def shoot(driver, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def wait_for_file(folder: Path, name: str, seconds: float = 30) -> Path:
    deadline = time.monotonic() + seconds
    target = folder / name
    while time.monotonic() < deadline:
        if target.exists() and not list(folder.glob("*.crdownload")):
            return target
        time.sleep(0.25)
    raise AssertionError(f"{name} was not downloaded into {folder}: {sorted(p.name for p in folder.iterdir())}")


# --- the walk through the tabs -------------------------------------------------------------------------------


def test_app_in_a_real_browser(server, browser, warehouse_home, downloads, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from c360_pipeline import engine
    from c360_pipeline.engine.warehouse import Warehouse

    session = engine.reader_session(warehouse_home)  # read-only: the app's server reads the same file
    try:
        profile = Warehouse.of(session, PipelineConfig.build(home=warehouse_home)).to_pandas("GOLD", "CUSTOMER_360_PROFILE")
    finally:
        session.close()

    browser.get(server)
    deadline = time.monotonic() + START_SECONDS
    while len(main_tabs(browser)) < 4 or not find(browser, '[data-testid="stMetric"]'):
        assert time.monotonic() < deadline, "the app's tabs did not appear"
        no_exception(browser)
        time.sleep(0.5)
    settle(browser)
    assert [t.text.strip() for t in main_tabs(browser)] == [
        "Segment Explorer", "Customer 360", "AI Assistant", "Campaign Simulator", "Cost",
    ]

    # Segment Explorer: all customers, then the Declining segment; the CSV holds exactly the rows shown.
    no_exception(browser)
    assert metric_values(browser)["Customers"] == f"{len(profile):,}"
    assert len(find(browser, '[data-testid="stPlotlyChart"]')) >= 3
    shoot(browser, screenshots, "1_segment_explorer")
    segment = widget_input(browser, "stMultiSelect", "Segment")
    segment.click()
    segment.send_keys("Declining", Keys.ENTER)
    segment.send_keys(Keys.ESCAPE)
    settle(browser)
    no_exception(browser)
    declining = profile[profile["CUSTOMER_SEGMENT"] == "Declining"]
    assert metric_values(browser)["Customers"] == f"{len(declining):,}"
    button = active_panel(browser).find_element(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    exported = wait_for_file(downloads, "segment_customers.csv")
    with open(exported, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["CUSTOMER_ID"] for r in rows) == sorted(declining["CUSTOMER_ID"])
    settle(browser)
    no_exception(browser)

    # Customer 360: a name with a quote, found by partial lower-case text.
    open_tab(browser, "Customer 360")
    search = widget_input(browser, "stTextInput", "Search customers")
    search.send_keys("o'brien", Keys.ENTER)
    settle(browser)
    no_exception(browser)
    panel = active_panel(browser)
    assert "Mary O'Brien" in panel.text
    assert metric_values(browser)["Segment"] == profile.loc[profile["CUSTOMER_ID"] == "CUST00000001", "CUSTOMER_SEGMENT"].item()
    assert len(panel.find_elements(By.CSS_SELECTOR, '[data-testid="stPlotlyChart"]')) == 2
    # The customer's streamed transactions of the latest streamed day, fresh as of the dynamic table.
    assert "Streamed today" in panel.text
    assert ("2025-07-01, the latest streamed day · 2 streamed transaction(s) · daily spend fresh as of "
            "2025-07-01 09:30:05 UTC") in panel.text
    streamed = metric_values(browser)
    assert (streamed["Transactions that day"], streamed["Declined that day"]) == ("2", "1")
    shoot(browser, screenshots, "2_customer_360")
    # Another search: the customer selector shows the new match, not the previous customer.
    other = profile.sort_values("CUSTOMER_ID").iloc[2]
    search = widget_input(browser, "stTextInput", "Search customers")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(other["CUSTOMER_ID"], Keys.ENTER)
    settle(browser)
    no_exception(browser)
    selector = next(
        box for box in active_panel(browser).find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
        if box.find_element(By.CSS_SELECTOR, '[data-testid="stWidgetLabel"]').text.startswith("Customer")
    )
    chosen = selector.find_element(By.CSS_SELECTOR, "input").get_attribute("value")
    assert chosen.startswith(other["CUSTOMER_ID"]), chosen
    assert other["FULL_NAME"] in active_panel(browser).text

    # AI Assistant: a suggested question is answered (rows or a plain refusal), never an exception.
    open_tab(browser, "AI Assistant")
    no_exception(browser)
    suggestion = next(
        b for b in active_panel(browser).find_elements(By.CSS_SELECTOR, '[data-testid="stButton"] button')
        if b.is_displayed() and b.text.strip().endswith("?")
    )
    question = suggestion.text.strip()
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", suggestion)
    suggestion.click()
    settle(browser)
    no_exception(browser)
    assert f"Q: {question}" in active_panel(browser).text
    browser.execute_script("window.scrollTo(0, 0);")
    shoot(browser, screenshots, "3_ai_assistant")
    # A policy question: answered from GOLD.DOCS, each sentence with its chunk id, the citations listed.
    policy = next(
        b for b in active_panel(browser).find_elements(By.CSS_SELECTOR, '[data-testid="stButton"] button')
        if b.is_displayed() and b.text.strip() == "What is the late payment fee?"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", policy)
    policy.click()
    settle(browser)
    no_exception(browser)
    text = active_panel(browser).text
    assert "Answered from the documents (search)" in text and "From the documents" in text
    assert "[fee_policy-4a8beb98]" in text and "$29" in text and "Citations (" in text
    answer = next(e for e in find(browser, '[data-testid="stMarkdownContainer"]') if "From the documents" in e.text)
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", answer)
    shoot(browser, screenshots, "3b_ai_assistant_documents")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", main_tabs(browser)[0])

    # Campaign Simulator: results for the default audience, then an out-of-range incentive is refused.
    open_tab(browser, "Campaign Simulator")
    no_exception(browser)
    shown = metric_values(browser)
    assert shown["Target customers"] == f"{len(declining):,}"
    assert shown["ROI"].endswith("%")
    shoot(browser, screenshots, "4_campaign_simulator")
    incentive = widget_input(browser, "stNumberInput", "Incentive per customer ($)")
    incentive.send_keys(Keys.CONTROL, "a")
    incentive.send_keys("-5", Keys.ENTER)
    settle(browser)
    no_exception(browser)
    alerts = [a.text for a in active_panel(browser).find_elements(By.CSS_SELECTOR, '[data-testid="stAlert"]')]
    assert any("Incentive per customer must be between" in text for text in alerts), alerts
    shoot(browser, screenshots, "5_campaign_invalid_input")

    # Cost: locally the credits are estimates from the recorded step seconds, and the tab says so.
    open_tab(browser, "Cost")
    no_exception(browser)
    assert "ESTIMATED credits" in active_panel(browser).text
    shown = metric_values(browser)
    assert shown["Estimated credits this month"] == "1.750" and shown["Monthly budget"] == "15"
    assert len(active_panel(browser).find_elements(By.CSS_SELECTOR, '[data-testid="stPlotlyChart"]')) == 2
    browser.execute_script("window.scrollTo(0, 0);")
    shoot(browser, screenshots, "6_cost")
    print(f"\nscreenshots: {screenshots}")
