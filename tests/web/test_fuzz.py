"""Property-based fuzz of the whole web API: random methods, paths, headers, query strings and bodies never get
a 5xx, and nothing is logged as an error or with a traceback.

Real uvicorn on 127.0.0.1 in front of the five real servers and the offline model. Requests sometimes carry a
valid conversation secret or agent token, so the fuzz reaches past authentication into every handler. The
example count is bounded and the examples derandomized, so the run is short and the same on every machine.
"""

import json
import logging
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import anyio.to_thread
import httpx2 as httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.settings import RateLimits, WebConfig
from tests.web.support import AGENT, Customer, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio

EXAMPLES = 400
BODY_EXAMPLES = 100
ROUTES = [  # every endpoint, with the methods it takes
    ("/", "GET"),
    ("/agent", "GET"),
    ("/dashboard", "GET"),
    ("/healthz", "GET"),
    ("/metrics", "GET"),
    ("/static/app.css", "GET"),
    ("/api/conversations", "POST"),
    ("/api/conversations/{cid}", "GET"),
    ("/api/conversations/{cid}/messages", "POST"),
    ("/api/conversations/{cid}/events", "GET"),
    ("/api/conversations/{cid}/end", "POST"),
    ("/api/conversations/{cid}/csat", "POST"),
    ("/api/agent/queue", "GET"),
    ("/api/agent/events", "GET"),
    ("/api/agent/handoffs/{hid}", "GET"),
    ("/api/agent/handoffs/{hid}/claim", "POST"),
    ("/api/agent/handoffs/{hid}/reply", "POST"),
    ("/api/agent/handoffs/{hid}/resolve", "POST"),
    ("/api/dashboard", "GET"),
    ("/api/agent/refunds", "GET"),
    ("/api/agent/refunds/{rid}/approve", "POST"),
    ("/api/agent/refunds/{rid}/reject", "POST"),
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
ODD_TEXT = st.text(
    alphabet=st.sampled_from(["a", "1", "²", "-", "_", "%", "/", "\x00", "é", "😀", " ", ".", "\ud800"]), max_size=12
)
NUMBERS = st.sampled_from(["0", "7", "90", "²", "1²", "٣", "-1", "99999999999999999999", " 1", "1e3"])
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ODD_TEXT | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["text", "score", "note", "outcome", "reason", "x"]) | ODD_TEXT, inner, max_size=4
        )
    ),
    max_leaves=10,
)


def _mostly(usual: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`usual` three times in four, else `odd`: requests mostly well-formed, so the fuzz gets past the first check."""
    return st.sampled_from([usual, usual, usual, odd]).flatmap(lambda chosen: chosen)


def _bounded(examples: int) -> settings:
    """A fixed number of derandomized examples, no deadline (the server shares a busy machine), no database."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _header_bytes(text: str) -> bytes:
    """Latin-1 when it fits (how servers decode headers), else the UTF-8 bytes; no surrounding spaces."""
    text = text.strip()
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _bodies() -> st.SearchStrategy[bytes]:
    as_json = JSON_VALUES.map(lambda v: json.dumps(v).encode())
    fields = st.fixed_dictionaries(  # the fields the handlers read, with odd values
        {},
        optional={
            "text": ODD_TEXT,
            "note": ODD_TEXT,
            "reason": ODD_TEXT,
            "outcome": st.sampled_from(["resolved", "returned_to_bot"]) | ODD_TEXT,
            "score": st.integers(min_value=-1, max_value=6) | ODD_TEXT,
        },
    ).map(lambda v: json.dumps(v).encode())
    deep = st.sampled_from([50, 1500, 8000]).map(lambda n: b"[" * n + b"]" * n)  # 8000: 16,000 bytes
    return st.one_of(st.just(b""), st.binary(max_size=200), as_json, fields, fields, deep)


@contextmanager
def _capture_errors(caplog: pytest.LogCaptureFixture) -> Generator[list[logging.LogRecord]]:
    """Every ERROR (or worse) record or record with a traceback, uvicorn's own logger included."""
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO):
            yield caplog.records
    finally:
        uvicorn_logger.removeHandler(caplog.handler)


async def test_no_request_gets_a_5xx_or_logs_a_traceback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Limits high enough that the fuzz's wrong tokens do not lock the right one out (the limits have own tests).
    limits = RateLimits(conversations="10000/minute", messages="10000/minute", agent_auth_failures="10000/minute")
    configured = web_settings(tmp_path, web=WebConfig(rate_limits=limits))
    async with serve(configured, targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        statuses: list[int] = []
        cids = _mostly(st.just(customer.conversation_id), ODD_TEXT.map(_quoted))
        hids = _mostly(st.sampled_from(["HO-000001", "HO-1"]), ODD_TEXT.map(_quoted))
        rids = _mostly(st.sampled_from(["RF-0123456789AB", "RF-1"]), ODD_TEXT.map(_quoted))

        def request_for(route: tuple[str, str]) -> st.SearchStrategy[tuple[str, str]]:
            def path(cid: str, hid: str, rid: str) -> str:
                return route[0].replace("{cid}", cid).replace("{hid}", hid).replace("{rid}", rid)

            method = _mostly(st.just(route[1]), st.sampled_from(METHODS))
            return st.tuples(method, st.builds(path, cids, hids, rids))

        requests = st.sampled_from(ROUTES).flatmap(request_for)
        headers = st.fixed_dictionaries(
            {
                "Content-Type": _mostly(
                    st.sampled_from(["application/json", "application/json; charset=utf-8"]),
                    st.just("text/plain") | HEADER_TEXT,
                ),
                "X-Conversation-Secret": _mostly(st.just(customer.secret), HEADER_TEXT),
                "Authorization": _mostly(st.just(AGENT["Authorization"]), st.just("Bearer sbat_nope") | HEADER_TEXT),
                "X-Agent-Name": _mostly(st.just("sam.rivera"), HEADER_TEXT),
                "Last-Event-ID": _mostly(NUMBERS, HEADER_TEXT),  # read by the two event streams only
            },
            optional={
                "Origin": st.sampled_from(["https://evil.example", served.url]) | HEADER_TEXT,
                "Sec-Fetch-Site": st.sampled_from(["cross-site", "same-origin"]),
                "Host": st.sampled_from(["127.0.0.1", "localhost", "evil.example"]),
            },
        )
        queries = st.dictionaries(
            _mostly(st.sampled_from(["after", "days", "bucket"]), ODD_TEXT),
            _mostly(NUMBERS | st.sampled_from(["hour", "day"]), ODD_TEXT),
            max_size=3,
        )

        @_bounded(EXAMPLES)
        @given(request=requests, query=queries, header_values=headers, body=_bodies())
        def fuzz(request: tuple[str, str], query: dict[str, str], header_values: dict[str, str], body: bytes) -> None:
            method, path = request
            encoded = "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in query.items())
            raw_headers = [(k.encode(), _header_bytes(v)) for k, v in header_values.items()]
            url = f"{path}?{encoded}" if encoded else path
            with client.stream(method, url, content=body, headers=raw_headers) as response:
                statuses.append(response.status_code)
                assert response.status_code < 500, (method, path, query, header_values, body[:200])

        writes = [route for route, method in ROUTES if method == "POST"]

        @_bounded(BODY_EXAMPLES)
        @given(route=st.sampled_from(writes), body=_bodies())
        def fuzz_bodies(route: str, body: bytes) -> None:
            """Well-formed, authenticated writes with random bodies, each on a fresh conversation (not ended, no
            turn running), so every handler parses and acts on the body."""
            created = client.post("/api/conversations", json={}).json()
            path = route.replace("{cid}", created["conversation_id"]).replace("{hid}", "HO-000001")
            path = path.replace("{rid}", "RF-0123456789AB")
            headers = {"Content-Type": "application/json", "X-Conversation-Secret": created["secret"], **AGENT}
            with client.stream("POST", path, content=body, headers=headers) as response:
                statuses.append(response.status_code)
                assert response.status_code < 500, (path, body[:200])

        with _capture_errors(caplog) as records, httpx.Client(base_url=served.url, timeout=30) as client:
            await anyio.to_thread.run_sync(fuzz)
            await anyio.to_thread.run_sync(fuzz_bodies)
            errors = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]

    assert errors == [], [r.getMessage() for r in errors]
    assert len(statuses) >= EXAMPLES + BODY_EXAMPLES
    assert {s // 100 for s in statuses} >= {2, 4}  # the fuzz reached handlers as well as refusals
