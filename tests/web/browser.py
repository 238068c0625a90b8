"""Browser-test support: `switchboard serve` as a real process, and Debian's Chromium through ChromeDriver."""

import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("SWITCHBOARD_ARTIFACTS", ROOT / "artifacts")) / "browser"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
START_TIMEOUT_S = 180


@dataclass(frozen=True)
class Server:
    url: str
    token: str


@contextmanager
def serve_process(tmp: Path, token: str) -> Generator[Server]:
    """`python -m orchestrator serve --port 0` on 127.0.0.1 with a fresh database; always stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(
        SWITCHBOARD_DATABASE_URL=f"sqlite:///{tmp / 'switchboard.db'}",
        SWITCHBOARD_AGENT_TOKEN=token,
        XDG_DATA_HOME=str(tmp / "data"),
        PYTHONUNBUFFERED="1",
    )
    with open(tmp / "serve.stderr", "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestrator", "serve", "--host", "127.0.0.1", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert process.stdout is not None
        with process.stdout as stdout:
            lines: queue.Queue[str] = queue.Queue()
            threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
            try:
                try:
                    first = lines.get(timeout=START_TIMEOUT_S)
                except queue.Empty as exc:
                    raise AssertionError(f"serve did not start: {(tmp / 'serve.stderr').read_text()[-2000:]}") from exc
                assert first.startswith("Switchboard serving on http://127.0.0.1:"), first
                yield Server(first.split(" on ", 1)[1].strip(), token)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


@contextmanager
def chromium(width: int = 1280, height: int = 860) -> Generator[WebDriver]:
    """Headless Debian Chromium with the agreed flags and a fresh profile."""
    with tempfile.TemporaryDirectory(prefix="switchboard-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def run_js(driver: WebDriver, script: str) -> Any:
    """`execute_script`, typed (selenium leaves its arguments untyped)."""
    execute = cast(Callable[[str], Any], driver.execute_script)  # pyright: ignore[reportUnknownMemberType]
    return execute(script)


def wait(driver: WebDriver, seconds: float = 20) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, seconds)


def screenshot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(driver.get_screenshot_as_png())
    return path


A11Y_AUDIT = (Path(__file__).parent / "a11y_audit.js").read_text()
"""In the page: controls without an accessible name, and text under the WCAG AA contrast ratio."""
