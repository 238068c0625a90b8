"""Benchmark the five Switchboard MCP servers: tool-call latency per transport, orders at scale, FAQ at scale.

Run from the repository root:

    .venv/bin/python benchmarks/servers.py                         # full size (a few minutes)
    .venv/bin/python benchmarks/servers.py --calls 30 --orders 50000 --articles 1000   # quick
    .venv/bin/python benchmarks/servers.py --markdown benchmarks/results.md

This is a measurement script, not a test: it asserts only that every call answered as expected.
See benchmarks/README.md for what each row measures.
"""

import argparse
import logging
import os
import platform
import random
import re
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from _postgres import postgres_schema, postgres_version
from mcp import Client, StdioServerParameters
from mcp.server import MCPServer
from sqlalchemy import bindparam, text
from sqlalchemy.exc import OperationalError

from mcp_servers._common.http import build_http_app
from mcp_servers._common.runner import ServerFactory, parse_args
from mcp_servers.escalation.__main__ import build as build_escalation
from mcp_servers.escalation.store import EscalationStore
from mcp_servers.faq.__main__ import add_arguments as faq_arguments
from mcp_servers.faq.__main__ import build as build_faq
from mcp_servers.orders.__main__ import build as build_orders
from mcp_servers.refunds.__main__ import add_arguments as refunds_arguments
from mcp_servers.refunds.__main__ import build as build_refunds
from mcp_servers.tickets.__main__ import build as build_tickets
from mcp_servers.tickets.store import TicketsStore
from switchboard_common.storage import Database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"
FLAGSHIP_ORDER = "ORD-78432"
FLAGSHIP_EMAIL = "jordan.lee@example.com"
DEMO_TICKET = "TCK-000001"
TRANSPORTS = ("memory", "stdio", "http")

Arguments = dict[str, Any]


# --------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Row:
    """One measured cell: latencies in milliseconds."""

    section: str
    server: str
    transport: str
    call: str
    samples: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    def percentile(self, p: int) -> float:
        if len(self.samples) < 2:
            return max(self.samples)
        return statistics.quantiles(self.samples, n=100, method="inclusive")[p - 1]

    @property
    def max(self) -> float:
        return max(self.samples)


@dataclass
class Report:
    started: datetime
    machine: list[tuple[str, str]]
    rows: list[Row] = field(default_factory=list[Row])
    notes: list[str] = field(default_factory=list[str])

    def add(self, row: Row) -> None:
        self.rows.append(row)
        _log(
            f"  {row.server:<10} {row.transport:<16} p50 {row.percentile(50):8.2f} ms  p95 {row.percentile(95):8.2f} ms"
        )

    def note(self, line: str) -> None:
        self.notes.append(line)
        _log(f"  {line}")


HEADER = ("section", "server", "transport", "call", "n", "mean ms", "p50 ms", "p95 ms", "max ms")
NUMERIC = frozenset({"n", "mean ms", "p50 ms", "p95 ms", "max ms"})


def _cells(row: Row) -> tuple[str, ...]:
    return (
        row.section,
        row.server,
        row.transport,
        row.call,
        str(row.n),
        f"{row.mean:.2f}",
        f"{row.percentile(50):.2f}",
        f"{row.percentile(95):.2f}",
        f"{row.max:.2f}",
    )


def render_text(report: Report) -> str:
    lines = [f"Switchboard MCP server benchmarks — {report.started:%Y-%m-%d %H:%M UTC}"]
    lines += [f"  {key}: {value}" for key, value in report.machine]
    table = [HEADER, *(_cells(r) for r in report.rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if HEADER[i] in NUMERIC else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines += ["", fmt(HEADER), fmt(["-" * w for w in widths]), *(fmt(c) for c in table[1:])]
    if report.notes:
        lines += ["", *(f"* {n}" for n in report.notes)]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    lines = [f"# Switchboard MCP server benchmarks ({report.started:%Y-%m-%d})", ""]
    lines += [f"- {key}: {value}" for key, value in report.machine]
    lines += ["", "| " + " | ".join(HEADER) + " |"]
    lines.append("|" + "|".join("---:" if h in NUMERIC else "---" for h in HEADER) + "|")
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in report.rows]
    if report.notes:
        lines += ["", *(f"- {n}" for n in report.notes)]
    return "\n".join(lines) + "\n"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine_info(postgres_url: str | None) -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("machine", f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, nproc {nproc}"),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", f"mcp {version('mcp')}, uvicorn {version('uvicorn')}, bm25s {version('bm25s')}"),
        ("sqlite", _sqlite_version()),
    ]
    if postgres_url:
        info.append(("postgresql", _postgres_version(postgres_url)))
    return info


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _postgres_version(url: str) -> str:
    try:
        return postgres_version(url)
    except Exception as exc:  # the PostgreSQL section reports the failure itself
        return f"unavailable ({type(exc).__name__})"


# --------------------------------------------------------------------------------------------------- measuring


async def measure(
    client: Client,
    tool: str,
    arguments: Sequence[Arguments],
    *,
    calls: int,
    warmup: int,
    expect_error: bool = False,
) -> tuple[float, ...]:
    """Call `tool` `warmup` times, then `calls` times (cycling through `arguments`); return latencies in ms."""
    samples: list[float] = []
    for n in range(warmup + calls):
        args = arguments[n % len(arguments)]
        start = time.perf_counter()
        result = await client.call_tool(tool, args)
        elapsed = time.perf_counter() - start
        if result.is_error != expect_error:
            detail = result.content[0].model_dump_json() if result.content else ""
            raise RuntimeError(f"{tool}({args}) answered is_error={result.is_error}: {detail[:300]}")
        if n >= warmup:
            samples.append(elapsed * 1000)
    return tuple(samples)


def _listening_socket() -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP, and a
    # socket made with the default proto 0 adds ~40 ms (Nagle + delayed ACK) to every keep-alive request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections queue until uvicorn accepts them: no start-up wait needed
    return sock


@asynccontextmanager
async def serve_http(server: MCPServer) -> AsyncGenerator[str]:
    """Serve `server` with uvicorn in this process on an ephemeral loopback port; yield the /mcp URL."""
    sock = _listening_socket()
    port = sock.getsockname()[1]
    app = build_http_app(server)
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(uv.serve, [sock])
            try:
                yield f"http://127.0.0.1:{port}/mcp"
            finally:
                uv.should_exit = True
    finally:
        sock.close()


# --------------------------------------------------------------------------------------------------- 1. transports


@dataclass(frozen=True)
class ServerSpec:
    name: str
    build: ServerFactory
    extra: Callable[[argparse.ArgumentParser], None] | None
    tool: str
    arguments: Callable[[Database], Arguments]
    """The call's arguments, computed once the store is prepared."""
    setup: Callable[[Database], None] | None = None
    """Extra rows to create before measuring."""


def _ticket_arguments(db: Database) -> Arguments:
    owner = TicketsStore(db).ticket_owner(DEMO_TICKET)
    if owner is None:
        raise RuntimeError(f"the demo seed has no {DEMO_TICKET}")
    return {"ticket_id": DEMO_TICKET, "customer_email": owner}


def _queue_handoffs(db: Database) -> None:
    """A queue of 12 handoffs in mixed priorities, so list_handoff_queue has rows to sort and render."""
    store = EscalationStore(db)
    priorities = ("normal", "high", "urgent")
    for n in range(12):
        store.escalate(
            reason=f"Customer asks for a person about a delayed refund (case {n}).",
            priority=priorities[n % 3],
            summary="Refund for ORD-78432 not received after 10 days; checked eligibility; customer is upset.",
            customer_email=f"bench.customer{n}@example.com",
            conversation_id=f"bench-conversation-{n}",
            sentiment_trend="worsening",
            context={"order_id": FLAGSHIP_ORDER},
        )


SERVERS: tuple[ServerSpec, ...] = (
    ServerSpec(
        "orders",
        build_orders,
        None,
        "lookup_order",
        lambda _db: {"order_id": FLAGSHIP_ORDER, "customer_email": FLAGSHIP_EMAIL},
    ),
    ServerSpec("tickets", build_tickets, None, "get_ticket", _ticket_arguments),
    ServerSpec(
        "faq",
        build_faq,
        lambda parser: faq_arguments(parser, os.environ),
        "search_faq",
        lambda _db: {"query": "bluetooth headphones won't connect"},
    ),
    ServerSpec(
        "refunds",
        build_refunds,
        refunds_arguments,
        "check_refund_eligibility",
        lambda _db: {"order_id": FLAGSHIP_ORDER, "reason": "defective", "customer_email": FLAGSHIP_EMAIL},
    ),
    ServerSpec("escalation", build_escalation, None, "list_handoff_queue", lambda _db: {}, _queue_handoffs),
)


def _server_args(spec: ServerSpec, url: str, extra_argv: Sequence[str] = ()) -> argparse.Namespace:
    return parse_args(spec.name, ["--db", url, *extra_argv], os.environ, spec.extra)


async def bench_transports(
    report: Report, workdir: Path, *, calls: int, warmup: int, transports: Sequence[str]
) -> None:
    _log(f"[1/3] tool-call latency: {len(SERVERS)} servers x {', '.join(transports)}, {calls} calls per cell")
    for spec in SERVERS:
        for transport in transports:
            url = f"sqlite:///{workdir / f'{spec.name}-{transport}.db'}"
            db = Database(url)
            try:
                server = spec.build(db, _server_args(spec, url))  # migrate + seed the fresh database
                if spec.setup is not None:
                    spec.setup(db)
                args = spec.arguments(db)
                samples = await _measure_transport(spec, server, url, transport, args, calls=calls, warmup=warmup)
            finally:
                db.dispose()
            report.add(Row("transport", spec.name, transport, spec.tool, samples))


async def _measure_transport(
    spec: ServerSpec, server: MCPServer, url: str, transport: str, args: Arguments, *, calls: int, warmup: int
) -> tuple[float, ...]:
    if transport == "memory":
        async with Client(server) as client:
            return await measure(client, spec.tool, [args], calls=calls, warmup=warmup)
    if transport == "stdio":
        params = StdioServerParameters(
            command=sys.executable, args=["-m", f"mcp_servers.{spec.name}", "--db", url], cwd=str(ROOT)
        )
        async with Client(params) as client:
            return await measure(client, spec.tool, [args], calls=calls, warmup=warmup)
    async with serve_http(server) as mcp_url, Client(mcp_url) as client:
        return await measure(client, spec.tool, [args], calls=calls, warmup=warmup)


# --------------------------------------------------------------------------------------------------- 2. orders at scale

ORDER_STATUSES = "ARRAY['pending','processing','shipped','delivered','cancelled','returned']"

# g = 0 .. n-1. Ids ORD-00000 .. ORD-99999 are the only ones lookup_order accepts (pattern ^ORD-\d{5}$): the
# first 100,000 orders take them (skipping the demo's), the rest get 8-digit ids that only make the table big.
_BULK_SOURCE = f"""
CREATE TEMP TABLE bench_orders ON COMMIT DROP AS
WITH prod AS (
    SELECT sku, name, price_cents, (row_number() OVER (ORDER BY sku) - 1)::int AS k FROM orders_products
), src AS (
    SELECT g,
           CASE WHEN g < 100000 THEN 'ORD-' || lpad(g::text, 5, '0') ELSE 'ORD-' || lpad(g::text, 8, '0') END
               AS order_id,
           'CUS-B' || lpad((g % CAST(:customers AS integer) + 1)::text, 7, '0') AS customer_id,
           ({ORDER_STATUSES})[g % 6 + 1] AS status,
           now() - make_interval(days => 1 + g % 400, mins => g % 1440) AS placed_at
    FROM generate_series(0, CAST(:orders AS integer) - 1) AS g
)
SELECT src.*, prod.sku, prod.name, 1 + g % 2 AS quantity, prod.price_cents
FROM src JOIN prod ON prod.k = src.g % (SELECT count(*) FROM orders_products)
WHERE NOT EXISTS (SELECT 1 FROM orders_orders o WHERE o.order_id = src.order_id)
"""
_BULK_CUSTOMERS = """
INSERT INTO orders_customers (customer_id, email, name, phone, address, created_at)
SELECT 'CUS-B' || lpad(g::text, 7, '0'), 'bench.customer' || g || '@example.com', 'Bench Customer ' || g,
       '+1 555 ' || lpad((g % 10000000)::text, 7, '0'), g || ' Benchmark Avenue, Springfield',
       now() - make_interval(days => 400 + g % 1000)
FROM generate_series(1, CAST(:customers AS integer)) AS g
"""
_BULK_ORDERS = """
INSERT INTO orders_orders (order_id, customer_id, status, subtotal_cents, shipping_cents, total_cents, currency,
    placed_at, shipped_at, delivered_at, cancelled_at, returned_at, carrier, tracking_number, shipping_address,
    payment_method, item_used, notes)
SELECT order_id, customer_id, status, price_cents * quantity, 499, price_cents * quantity + 499, 'USD', placed_at,
       CASE WHEN status IN ('shipped', 'delivered', 'returned') THEN placed_at + interval '1 day' END,
       CASE WHEN status IN ('delivered', 'returned') THEN placed_at + interval '4 days' END,
       CASE WHEN status = 'cancelled' THEN placed_at + interval '3 hours' END,
       CASE WHEN status = 'returned' THEN placed_at + interval '20 days' END,
       CASE WHEN status IN ('shipped', 'delivered', 'returned') THEN 'UPS' END,
       CASE WHEN status IN ('shipped', 'delivered', 'returned') THEN 'TRK' || lpad(g::text, 12, '0') END,
       g || ' Benchmark Avenue, Springfield', 'Visa ending 4242', g % 5 = 0, NULL
FROM bench_orders
"""
_BULK_ITEMS = """
INSERT INTO orders_order_items (order_id, line, sku, name, quantity, unit_price_cents)
SELECT order_id, 1, sku, name, quantity, price_cents FROM bench_orders
"""


def _bulk_insert(db: Database, *, orders: int, customers: int) -> tuple[int, int]:
    """Insert the synthetic customers, orders and order lines server-side; return (orders, customers) inserted."""
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        added_customers = conn.execute(text(_BULK_CUSTOMERS), {"customers": customers}).rowcount
        conn.execute(text(_BULK_SOURCE), {"customers": customers, "orders": orders})
        added_orders = conn.execute(text(_BULK_ORDERS)).rowcount
        conn.execute(text(_BULK_ITEMS))
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE orders_customers, orders_orders, orders_order_items"))
    return added_orders, added_customers


def _sample_orders(db: Database, rng: random.Random, *, orders: int, count: int) -> list[Arguments]:
    """`count` distinct random existing orders that lookup_order accepts, with their owners' emails."""
    addressable = min(orders, 100_000)
    ids = [f"ORD-{n:05d}" for n in rng.sample(range(addressable), min(count, addressable))]
    query = text(
        "SELECT o.order_id, c.email FROM orders_orders o JOIN orders_customers c USING (customer_id)"
        " WHERE o.order_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    with db.read() as conn:
        owners = {str(order_id): str(email) for order_id, email in conn.execute(query, {"ids": ids})}
    found = [{"order_id": i, "customer_email": owners[i]} for i in ids if i in owners]
    rng.shuffle(found)
    return found


async def bench_orders_postgres(
    report: Report, base_url: str, *, orders: int, calls: int, warmup: int, rng: random.Random
) -> None:
    customers = max(1, orders // 20)
    _log(f"[2/3] lookup_order on PostgreSQL with {orders:,} extra orders ({customers:,} customers)")
    with postgres_schema(base_url) as url:
        db = Database(url)
        try:
            spec = SERVERS[0]
            server = spec.build(db, _server_args(spec, url))
            start = time.perf_counter()
            added, added_customers = _bulk_insert(db, orders=orders, customers=customers)
            elapsed = time.perf_counter() - start
            with db.read() as conn:
                total = conn.execute(text("SELECT count(*) FROM orders_orders")).scalar_one()
                size = conn.execute(text("SELECT pg_size_pretty(pg_total_relation_size('orders_orders'))")).scalar_one()
            report.note(
                f"PostgreSQL: bulk-inserted {added:,} orders (+1 line each) and {added_customers:,} customers in "
                f"{elapsed:.1f} s incl. ANALYZE; orders_orders holds {total:,} rows ({size} with indexes). "
                "Lookups target random existing ORD-\\d{5} ids (the only ids the tool accepts)."
            )
            hits = _sample_orders(db, rng, orders=orders, count=calls + warmup)
            if not hits:
                raise RuntimeError("no bulk orders found to look up")
            miss = [{"order_id": hits[0]["order_id"], "customer_email": "someone.else@example.com"}]
            async with Client(server) as client:
                samples = await measure(client, "lookup_order", hits, calls=calls, warmup=warmup)
                report.add(Row("orders at scale", "orders", "memory/postgres", "lookup_order (random hit)", samples))
                samples = await measure(client, "lookup_order", miss, calls=calls, warmup=warmup, expect_error=True)
                report.add(Row("orders at scale", "orders", "memory/postgres", "lookup_order (wrong email)", samples))
        finally:
            db.dispose()


# --------------------------------------------------------------------------------------------------- 3. faq at scale

PRODUCTS = (
    "ProMax Audio Headphones",
    "ProMax Wireless Earbuds",
    "ProMax Mini Speaker",
    "Volt 65W USB-C Charger",
    "Volt Power Bank",
    "Nova Fitness Watch",
    "Nova Sleep Band",
    "Helix Mechanical Keyboard",
    "Helix Ergonomic Mouse",
    "Helix USB-C Hub",
    "Helix 4K Monitor",
    "Castle Commuter Backpack",
    "Lumen Smart Desk Lamp",
    "Lumen Smart Bulb",
    "Lumen Indoor Security Camera",
    "Brewline Electric Kettle",
    "Brewline Coffee Grinder",
    "Brewline Espresso Machine",
    "Trek Electric Scooter",
    "Trek Urban Helmet",
    "Snapshot Action Camera",
    "Snapshot Travel Tripod",
)
PROBLEMS = (
    ("won't connect over Bluetooth", "bluetooth, pairing, connection"),
    ("keeps disconnecting from Wi-Fi", "wifi, network, disconnects"),
    ("will not turn on", "power, dead, no power"),
    ("battery drains quickly", "battery, drain, charging"),
    ("charges slowly", "charging, cable, power adapter"),
    ("overheats during use", "overheating, hot, temperature"),
    ("makes a rattling noise", "noise, rattle, sound"),
    ("firmware update is stuck", "firmware, update, app"),
    ("screen flickers", "display, flicker, screen"),
    ("does not sync with the app", "app, sync, account"),
    ("has a blinking red light", "led, light, error"),
    ("leaks water", "leak, water, seal"),
    ("arrived damaged", "damaged, broken, parcel"),
)
POLICIES = (
    ("returns", "Returning {product} after {days} days", "return window, refund, unused, original packaging"),
    ("returns", "Warranty claims for {product}", "warranty, defective, repair, replacement"),
    ("returns", "Exchanging {product} for another colour", "exchange, colour, size, replacement"),
    ("shipping", "Delivery times for {product} to {region}", "delivery, shipping, courier, tracking"),
    ("shipping", "Customs and duties when shipping to {region}", "customs, duties, import tax, international"),
    ("shipping", "Tracking a parcel with {carrier}", "tracking, parcel, courier, lost parcel"),
    ("payment", "Paying with {payment}", "payment, checkout, card, declined"),
    ("payment", "Refund timing for {payment}", "refund, bank, statement, processing time"),
    ("payment", "Invoices and VAT numbers in {region}", "invoice, vat, receipt, business"),
    ("account", "Two-factor sign-in with {payment}", "account, password, two-factor, sign in"),
    ("account", "Managing saved addresses in {region}", "account, address book, profile, settings"),
)
REGIONS = ("Canada", "Germany", "Ireland", "Australia", "Japan", "Mexico", "Norway", "Brazil", "Spain", "Kenya")
CARRIERS = ("UPS", "DHL", "FedEx", "USPS", "Royal Mail", "Canada Post")
PAYMENTS = ("Visa", "Mastercard", "PayPal", "Apple Pay", "gift cards", "bank transfer", "Klarna")
FILLER = (
    "Most customers fix this in a few minutes without contacting support.",
    "If the problem continues, open a ticket and mention the order number from your confirmation email.",
    "Keep the original packaging until the return window has closed.",
    "Refunds go back to the original payment method within 5 to 10 business days.",
    "Damage caused by accidents or liquid is not covered by the warranty.",
    "The tracking number appears in the shipping confirmation email once the courier collects the parcel.",
    "Customs duties for international orders are paid by the recipient unless stated at checkout.",
    "Sign in to your account to see the status of every order and return.",
    "Our support team answers within one business day, including weekends in December.",
    "Firmware updates install automatically when the device is charging and connected to Wi-Fi.",
)
FAQ_QUERIES = (
    "bluetooth headphones won't connect",
    "how long does a refund take to reach my PayPal account",
    "espresso machine leaks water",
    "electric scooter battery drains quickly",
    "customs duties shipping to Japan",
    "return earbuds after 30 days without original packaging",
    "card declined at checkout",
    "warranty claim for a broken security camera",
    "track my parcel with DHL",
    "two-factor sign in not working",
    "smart bulb keeps disconnecting from wifi",
    "invoice with VAT number for my company in Germany",
    "keyboard firmware update stuck",
    "monitor screen flickers",
    "fitness watch does not sync with the app",
    "exchange backpack for another colour",
    "parcel arrived damaged",
    "charger overheats",
    "gift cards refund",
    "zzzz qqqq nothing matches this",
)


def _slug(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text_.lower()).strip("-")[:80].strip("-")


def generate_articles(folder: Path, count: int, rng: random.Random) -> int:
    """Write `count` synthetic articles with valid front matter into `folder`; return the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for n in range(count):
        product = rng.choice(PRODUCTS)
        region, carrier, payment = rng.choice(REGIONS), rng.choice(CARRIERS), rng.choice(PAYMENTS)
        if rng.random() < 0.6:
            problem, problem_tags = rng.choice(PROBLEMS)
            category = "products"
            title = f"{product} {problem}"
            tags = f"{product.split()[0].lower()}, {product.lower()}, {problem_tags}"
            steps = [
                f"Restart the {product} and try again.",
                f"Update the {product} to the latest firmware from the ShopExpress app.",
                f"Reset the {product}: hold the power button for {rng.randint(5, 20)} seconds.",
                f"Try another {rng.choice(('cable', 'outlet', 'phone', 'network', 'charger'))}.",
            ]
            intro = f"If your {product} {problem}, work through these checks in order."
        else:
            category, template, policy_tags = rng.choice(POLICIES)
            days = rng.choice((14, 30, 45, 60, 90))
            title = template.format(product=product, days=days, region=region, carrier=carrier, payment=payment)
            tags = f"{policy_tags}, {region.lower()}"
            steps = [
                f"Sign in and open the order for the {product}.",
                f"Choose {rng.choice(('Return', 'Track', 'Invoice', 'Pay', 'Contact us'))} next to the order.",
                f"Follow the instructions for {region}; {carrier} handles most parcels there.",
            ]
            intro = f"This article explains our {category} policy for {region} and orders paid with {payment}."
        body = [intro, "", *(f"{i}. {s}" for i, s in enumerate(steps, start=1)), ""]
        body += [" ".join(rng.sample(FILLER, 3)) for _ in range(rng.randint(2, 4))]
        content = f"---\ntitle: {title}\ncategory: {category}\ntags: {tags}\n---\n" + "\n\n".join(body) + "\n"
        path = folder / f"{_slug(title)}-{n}.md"
        written += path.write_text(content, encoding="utf-8")
    return written


async def bench_faq_scale(
    report: Report, workdir: Path, *, articles: int, calls: int, warmup: int, rng: random.Random
) -> None:
    _log(f"[3/3] search_faq over {articles:,} generated articles")
    folder = workdir / "knowledge_base"
    start = time.perf_counter()
    size = generate_articles(folder, articles, rng)
    generated = time.perf_counter() - start
    url = f"sqlite:///{workdir / 'faq-scale.db'}"
    db = Database(url)
    try:
        spec = SERVERS[2]
        args = _server_args(spec, url, ["--knowledge-base", str(folder)])
        start = time.perf_counter()
        server = spec.build(db, args)
        built = time.perf_counter() - start
        report.note(
            f"FAQ: generated {articles:,} articles ({size / 1e6:.1f} MB) in {generated:.1f} s; first index build "
            f"(sync into SQLite + tokenise + BM25) took {built:.2f} s."
        )
        queries = [{"query": q, "limit": 3} for q in FAQ_QUERIES]
        async with Client(server) as client:
            samples = await measure(client, "search_faq", queries, calls=calls, warmup=warmup)
        report.add(Row("faq at scale", "faq", "memory", f"search_faq ({len(queries)} queries)", samples))
    finally:
        db.dispose()


# --------------------------------------------------------------------------------------------------- main


def parse_cli(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/servers.py", description="Benchmark the Switchboard MCP servers.")
    parser.add_argument("--calls", type=int, default=200, help="measured calls per cell (default 200)")
    parser.add_argument(
        "--warmup", type=int, default=None, help="warm-up calls per cell (default calls/10, at least 10)"
    )
    parser.add_argument(
        "--transports",
        default=",".join(TRANSPORTS),
        help=f"comma-separated subset of {','.join(TRANSPORTS)} (default: all)",
    )
    parser.add_argument("--orders", type=int, default=1_000_000, help="extra orders on PostgreSQL (default 1000000)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SWITCHBOARD_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help=f"PostgreSQL database to create a scratch schema in (default {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="skip the 1M-orders PostgreSQL benchmark")
    parser.add_argument("--articles", type=int, default=10_000, help="generated FAQ articles (default 10000)")
    parser.add_argument("--skip-faq-scale", action="store_true", help="skip the generated-articles benchmark")
    parser.add_argument("--seed", type=int, default=20240611, help="random seed for data and sampling")
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown to this file")
    args = parser.parse_args(argv)
    transports = [t.strip() for t in args.transports.split(",") if t.strip()]
    if unknown := set(transports) - set(TRANSPORTS):
        parser.error(f"unknown transport(s): {', '.join(sorted(unknown))}")
    if args.calls < 1 or args.orders < 1 or args.articles < 1:
        parser.error("--calls, --orders and --articles must be >= 1")
    args.transports = transports
    if args.warmup is None:
        args.warmup = max(10, args.calls // 10)
    return args


async def run(args: argparse.Namespace) -> Report:
    postgres = None if args.skip_postgres else args.postgres_url
    report = Report(started=datetime.now(UTC), machine=machine_info(postgres))
    report.machine.append(("settings", f"calls {args.calls} (+{args.warmup} warm-up) per cell, seed {args.seed}"))
    rng = random.Random(args.seed)
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="switchboard-bench-") as tmp:
        workdir = Path(tmp)
        if args.transports:
            await bench_transports(report, workdir, calls=args.calls, warmup=args.warmup, transports=args.transports)
        if postgres:
            try:
                await bench_orders_postgres(
                    report, postgres, orders=args.orders, calls=args.calls, warmup=args.warmup, rng=rng
                )
            except OperationalError as exc:  # no server there: report it and go on with the FAQ benchmark
                report.note(f"PostgreSQL benchmark skipped: {str(exc.orig).strip().splitlines()[0]}")
        if not args.skip_faq_scale:
            await bench_faq_scale(
                report, workdir, articles=args.articles, calls=args.calls, warmup=args.warmup, rng=rng
            )
    report.note(f"Total benchmark run time {time.perf_counter() - begin:.0f} s.")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_cli(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    report = anyio.run(run, args)
    print(render_text(report))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(render_markdown(report), encoding="utf-8")
        _log(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
