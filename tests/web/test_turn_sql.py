"""What a customer turn costs the database: two transactions (accept, save) and a bounded statement count."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from orchestrator.settings import WebConfig
from tests.web.support import FLAGSHIP, Customer, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio

QUIET = WebConfig(turn_heartbeat_s=60, turn_takeover_s=300, approvals_sync_s=3600)
"""No heartbeat or approvals sweep writes while a turn is counted."""


async def test_each_customer_turn_is_two_transactions(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, web=QUIET), targets_for(tmp_path)) as served:
        engine = served.orchestrator.store.db.engine
        customer = Customer(served.client)
        await customer.start()
        begins: list[object] = []
        statements: list[str] = []

        def on_statement(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement.split()[0].upper())

        event.listen(engine, "begin", begins.append)
        event.listen(engine, "before_cursor_execute", on_statement)
        counted: list[tuple[int, int]] = []
        for line in FLAGSHIP[:4]:  # plain text, a verification with a tool call, questions, a refund request
            begins.clear()
            statements.clear()
            await customer.say(line)
            counted.append((len(begins), len(statements)))
    # accept (authenticate, take the turn slot, the customer's line, read the header and history) and save (messages,
    # usage, tool calls, KPI counters, the reply's line and the slot's release): one transaction each.
    assert [transactions for transactions, _ in counted] == [2, 2, 2, 2]
    # 13-14 statements (BEGIN not counted; the slot is taken by one conditional UPDATE); on main at 6b1a649:
    # 13 transactions and 36-38 statements.
    assert all(count <= 14 for _, count in counted), counted
