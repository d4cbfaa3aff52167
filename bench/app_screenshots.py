"""Screenshots of the app's tabs for the docs, taken in a real headless Chromium.

    python bench/app_screenshots.py --home DIR [--out docs/screenshots]

DIR is a local home built by `c360 run` (the docs use the default world: `make demo`, 1,000
customers, seed 42). The app is started with `streamlit run` on a free localhost port, Debian's
`chromium` and `chromedriver` open it (apt-get install chromium chromium-driver), each top-level tab is
clicked, and the page is saved as `app_<tab>.png` once the script run is over. On the AI Assistant
tab one question is asked first, so the screenshot shows an answer, then a question for the data and the
documents at once (`app_ai_assistant_documents.png`: the figure, the passages and their citations).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from c360_pipeline.app_launcher import app_command, app_environment  # noqa: E402
from c360_pipeline.config import PipelineConfig  # noqa: E402

TABS = {
    "Segment Explorer": "app_segment_explorer",
    "Customer 360": "app_customer_360",
    "Campaign Simulator": "app_campaign_simulator",
    "AI Assistant": "app_ai_assistant",
    "Cost": "app_cost",
}
QUESTION = "average transaction value by customer segment"
MIXED_QUESTION = "How many customers are in the Declining segment, and what does the playbook say to do for them?"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--window-size=1440,1800", "--hide-scrollbars")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not start at {url} within {seconds:.0f} s")


def settle(driver, seconds: float = 60) -> None:
    """Until no 'running' indicator or skeleton has shown for about a second."""
    from selenium.webdriver.common.by import By

    deadline, quiet = time.monotonic() + seconds, 0
    time.sleep(0.5)
    while time.monotonic() < deadline and quiet < 4:
        busy = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')
        quiet = 0 if busy else quiet + 1
        time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a local home built by `c360 run`")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    args = parser.parse_args()
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        raise SystemExit("needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver")

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(app_command(port) + ["--server.fileWatcherType", "none"],
                              env=app_environment(PipelineConfig.build(home=args.home)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    profile = tempfile.mkdtemp(prefix="c360-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = None
    try:
        wait_until_up(url)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        driver.get(url)
        settle(driver)
        args.out.mkdir(parents=True, exist_ok=True)
        for label, name in TABS.items():
            tab = next(t for t in driver.find_elements(By.CSS_SELECTOR, '[role="tab"]') if t.text.strip() == label)
            tab.click()
            settle(driver)
            if label == "AI Assistant":
                panel = next(p for p in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stTabPanel"]') if p.is_displayed())
                box = panel.find_elements(By.CSS_SELECTOR, "input[type='text']")
                if box:
                    box[0].send_keys(QUESTION, Keys.ENTER)
                    settle(driver)
            path = args.out / f"{name}.png"
            driver.save_screenshot(str(path))
            print(f"wrote {path}")
            if label == "AI Assistant" and box:
                box = panel.find_elements(By.CSS_SELECTOR, "input[type='text']")
                box[0].send_keys(Keys.CONTROL, "a")
                box[0].send_keys(MIXED_QUESTION, Keys.ENTER)
                settle(driver)
                answer = [e for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMarkdownContainer"]')
                          if e.text.startswith("Q: ")]
                if answer:
                    driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", answer[0])
                    time.sleep(0.5)
                path = args.out / f"{name}_documents.png"
                driver.save_screenshot(str(path))
                print(f"wrote {path}")
                tabs = driver.find_elements(By.CSS_SELECTOR, '[role="tab"]')
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", tabs[0])
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
