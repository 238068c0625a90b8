"""The three pages in real headless Chromium (Debian's, through ChromeDriver) against `switchboard serve`.

One `serve` process (five stdio MCP servers, the offline model, a fresh SQLite database) for the module;
a fresh browser profile per test. Screenshots land in `artifacts/browser/`.
"""

import os
import secrets
from collections.abc import Generator
from typing import Any, cast

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.web.browser import (
    A11Y_AUDIT,
    CHROMEDRIVER,
    CHROMIUM,
    Server,
    chromium,
    run_js,
    screenshot,
    serve_process,
    wait,
)
from tests.web.support import FLAGSHIP

pytestmark = pytest.mark.e2e

RECORD_STREAMING = """
window.__rec = {lengths: [], typing: false};
const log = document.getElementById('messages');
new MutationObserver(() => {
  const bubbles = log.querySelectorAll('.msg[data-role="assistant"]');
  const last = bubbles[bubbles.length - 1];
  if (last) window.__rec.lengths.push(last.textContent.length);
}).observe(log, {subtree: true, childList: true, characterData: true});
const typing = document.getElementById('typing');
new MutationObserver(() => { if (!typing.hidden) window.__rec.typing = true; })
  .observe(typing, {attributes: true});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Generator[Server]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need {' and '.join(missing)} (.ci/run installs chromium, chromium-driver)")
        pytest.skip(f"browser tests need {' and '.join(missing)}: apt-get install chromium chromium-driver")
    with serve_process(tmp_path_factory.mktemp("serve"), secrets.token_hex(16)) as running:
        yield running


def _count(driver: WebDriver, css: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, css))


def _texts(driver: WebDriver, css: str) -> list[str]:
    return [e.get_attribute("textContent") or "" for e in driver.find_elements(By.CSS_SELECTOR, css)]


def _visible(driver: WebDriver, css: str) -> WebElement:
    return cast(
        WebElement,
        wait(driver).until(
            lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), False)
        ),
    )


def _turn_done(driver: WebDriver, assistants_before: int) -> bool:
    send = driver.find_element(By.ID, "send-button")
    typing = driver.find_element(By.ID, "typing")
    return (
        _count(driver, '.msg[data-role="assistant"]') > assistants_before
        and send.is_enabled()
        and not typing.is_displayed()
    )


def _say(driver: WebDriver, text: str) -> str:
    """Type a message and send it with the Enter key; return Alex's reply once the turn is over."""
    before = _count(driver, '.msg[data-role="assistant"]')
    box = driver.find_element(By.ID, "message-input")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait(driver, 30).until(lambda d: _turn_done(d, before))
    return _texts(driver, '.msg[data-role="assistant"]')[-1]


def _audit(driver: WebDriver) -> dict[str, Any]:
    return cast(dict[str, Any], run_js(driver, A11Y_AUDIT))


def _assert_accessible(driver: WebDriver) -> None:
    report = _audit(driver)
    assert report["unnamed"] == [], report["unnamed"]
    assert report["low"] == [], report["low"]
    assert report["lang"] == "en" and report["main"] and report["h1"] == 1 and report["title"]


def _open_chat(driver: WebDriver, server: Server) -> None:
    driver.get(server.url + "/")
    wait(driver).until(lambda d: _count(d, '.msg[data-role="assistant"]') >= 1)
    wait(driver).until(lambda d: "offline" in d.find_element(By.ID, "model-label").text)


def _tab_to(driver: WebDriver, element_id: str, limit: int = 25) -> None:
    """Reach a control with the Tab key only."""
    driver.find_element(By.TAG_NAME, "body").click()
    for _ in range(limit):
        active = driver.switch_to.active_element
        if active.get_attribute("id") == element_id:
            return
        active.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_customer_runs_the_flagship_conversation_with_streamed_replies(server: Server) -> None:
    with chromium() as driver:
        _open_chat(driver, server)
        _assert_accessible(driver)
        _tab_to(driver, "message-input")
        run_js(driver, RECORD_STREAMING)
        replies = [_say(driver, line) for line in FLAGSHIP]
        record = cast(dict[str, Any], run_js(driver, "return window.__rec"))
        tools = driver.find_element(By.ID, "tool-activity")
        screenshot(driver, "customer-chat-flagship")
        _assert_accessible(driver)
        assert not tools.is_displayed()
    assert "ORD-78432" in replies[0] and "email" in replies[0]
    assert "ProMax Audio Headphones" in replies[1] and "14 days ago" in replies[1]
    assert "re-pair" in replies[2] and "Did that fix it?" in replies[2]
    assert "$89.99" in replies[3] and "Shall I go ahead with the refund?" in replies[3]
    assert "Done: $89.99 has been refunded to your Visa ending 4242" in replies[4]
    assert "5-7 business days" in replies[4] and "RF-" in replies[4]
    # Replies arrived in pieces while the typing indicator showed.
    assert record["typing"] is True
    assert len(set(record["lengths"])) > len(FLAGSHIP)


def test_human_handoff_from_chat_to_console_and_back_with_csat_on_the_dashboard(server: Server) -> None:
    with chromium() as customer, chromium() as agent:
        _open_chat(customer, server)
        _say(customer, FLAGSHIP[0])
        _say(customer, FLAGSHIP[1])
        before = _count(customer, '.msg[data-role="assistant"]')
        customer.find_element(By.ID, "human-button").click()
        wait(customer, 30).until(lambda d: _turn_done(d, before))
        wait(customer).until(lambda d: any("queue" in t for t in _texts(d, '.msg[data-role="system"]')))

        agent.get(server.url + "/agent")
        _assert_accessible(agent)
        agent.find_element(By.ID, "agent-name").send_keys("sam.rivera")
        agent.find_element(By.ID, "agent-token").send_keys(server.token)
        agent.find_element(By.ID, "login-button").click()
        _visible(agent, "#console")
        _visible(agent, "#queue button.handoff").click()
        summary = wait(agent).until(lambda d: d.find_element(By.ID, "handoff-summary").text or False)
        _visible(agent, "#claim-button").click()
        banner = _visible(customer, "#human-banner")
        assert "sam.rivera" in banner.text

        reply_box = _visible(agent, "#reply-input")
        reply_box.send_keys("Hi Jordan, I'm Sam. I'm sending you a replacement pair today.")
        agent.find_element(By.ID, "reply-button").click()
        agent_line = str(
            wait(customer).until(
                lambda d: next((t for t in _texts(d, '.msg[data-role="agent"]') if "replacement" in t), False)
            )
        )
        transcript = _texts(agent, '#transcript .msg[data-role="customer"]')
        run_js(agent, "window.scrollTo(0, 0)")
        screenshot(agent, "agent-console-claimed")
        _assert_accessible(agent)
        screenshot(customer, "customer-chat-with-agent")

        agent.find_element(By.ID, "resolve-note").send_keys("Replacement pair sent; customer happy.")
        agent.find_element(By.ID, "resolve-button").click()
        _visible(customer, "#csat")
        _assert_accessible(customer)
        customer.find_element(By.CSS_SELECTOR, '.star[data-score="5"]').click()
        thanks = _visible(customer, "#csat-thanks").text
        screenshot(customer, "customer-csat")

        agent.get(server.url + "/dashboard")  # the token is remembered for this tab
        csat = str(
            wait(agent).until(
                lambda d: next(
                    (
                        e.text
                        for e in d.find_elements(By.CSS_SELECTOR, '.kpi[data-kpi="csat"] .kpi-value')
                        if "5.0" in e.text
                    ),
                    False,
                )
            )
        )
        escalation = agent.find_element(By.CSS_SELECTOR, '.kpi[data-kpi="escalation"] .kpi-value').text
        tools_table = agent.find_element(By.ID, "tools").text
        screenshot(agent, "dashboard")
        _assert_accessible(agent)

    assert "ORD-78432" in summary
    assert "replacement" in agent_line
    assert any("ORD-78432" in t for t in transcript), transcript
    assert "Thanks" in thanks
    assert csat.startswith("5.0")
    assert escalation.endswith("%")
    assert "lookup_order" in tools_table and "escalate_to_human" in tools_table


def test_the_console_refuses_a_missing_or_wrong_token(server: Server) -> None:
    with chromium() as driver:
        driver.get(server.url + "/agent")
        driver.find_element(By.ID, "agent-name").send_keys("mallory")
        driver.find_element(By.ID, "login-button").click()  # no token: the form does not submit
        missing_console = driver.find_element(By.ID, "console").is_displayed()
        driver.find_element(By.ID, "agent-token").send_keys("not-the-token")
        driver.find_element(By.ID, "login-button").click()
        error = _visible(driver, "#login-error").text
        screenshot(driver, "agent-console-refused")
        console_shown = driver.find_element(By.ID, "console").is_displayed()
        handoffs = _count(driver, "button.handoff")

        driver.get(server.url + "/dashboard")
        driver.find_element(By.ID, "agent-token").send_keys("not-the-token")
        driver.find_element(By.ID, "login-button").click()
        dash_error = _visible(driver, "#login-error").text
        kpis = _count(driver, ".kpi .kpi-value")
    assert missing_console is False
    assert "refused" in error
    assert console_shown is False and handoffs == 0
    assert "refused" in dash_error and kpis == 0


def test_an_agent_approves_a_large_refund_in_the_console_and_the_customer_sees_it_live(server: Server) -> None:
    with chromium() as customer, chromium() as agent:
        _open_chat(customer, server)
        _say(customer, "Hi, I'd like a refund for order ORD-93514, I changed my mind about the espresso machine.")
        _say(customer, "morgan.moreau@example.com")
        _say(customer, "Yes, please go ahead.")
        notice = str(
            wait(customer, 30).until(
                lambda d: next((t for t in _texts(d, '.msg[data-role="assistant"]') if "for approval" in t), False)
            )
        )

        agent.get(server.url + "/agent")
        agent.find_element(By.ID, "agent-name").send_keys("sam.rivera")
        agent.find_element(By.ID, "agent-token").send_keys(server.token)
        agent.find_element(By.ID, "login-button").click()
        pending = _visible(agent, "#approvals li.approval")
        card = pending.text
        queued = _visible(agent, "#queue button.handoff").text
        _assert_accessible(agent)
        screenshot(agent, "agent-console-refund-approval")
        pending.find_element(By.CSS_SELECTOR, 'button[data-action="approve"]').click()
        status = str(wait(agent).until(lambda d: d.find_element(By.ID, "approvals-status").text or False))
        emptied = str(
            wait(agent).until(
                lambda d: (
                    d.find_element(By.CSS_SELECTOR, "#approvals li").text
                    if not _count(d, "#approvals li.approval")
                    else False
                )
            )
        )

        decision = str(
            wait(customer, 20).until(
                lambda d: next((t for t in _texts(d, '.msg[data-role="system"]') if "Good news" in t), False)
            )
        )
        back = str(
            wait(customer, 20).until(
                lambda d: next((t for t in _texts(d, '.msg[data-role="system"]') if "back with Alex" in t), False)
            )
        )
        screenshot(customer, "customer-chat-refund-approved")
        _assert_accessible(customer)

        agent.get(server.url + "/dashboard")
        approved = str(
            wait(agent).until(
                lambda d: next(
                    (
                        e.text
                        for e in d.find_elements(By.CSS_SELECTOR, '[data-approval="approved"] dd')
                        if "1" in e.text
                    ),
                    False,
                )
            )
        )

    assert "No money has moved yet" in notice
    assert "$732.97" in card and "ORD-93514" in card and "morgan.moreau@example.com" in card and "unused" in card
    assert "High" in queued and "RF-" in queued
    assert "approved" in status and "The customer has been told" in status
    assert emptied == "No refunds waiting for approval."
    assert decision.startswith("Good news: your refund of $732.97 for order ORD-93514")
    assert "Alex" in back
    assert approved == "1 · $732.97"
