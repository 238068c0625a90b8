"""Contract tests of the retail server (τ-bench retail), through the MCP client, on the shared τ-bench data."""

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from mcp_servers.retail import create_server
from mcp_servers.retail._seed import RetailDataError
from mcp_servers.retail.store import RetailStore
from switchboard_common.storage import Database
from tests.retail_data import RETAIL_DATA as DEFAULT_DATA

pytestmark = pytest.mark.anyio

TAU_TOOLS = json.loads((DEFAULT_DATA / "tool_schemas.json").read_text())
PENDING_GIFT = "#W6779827"  # ethan_lopez_6291, paid 4079.45 with gift_card_7219486 (balance 49)
DELIVERED = "#W2378156"  # yusuf_rossi_9620, τ-bench test task 0


def _data(name: str) -> dict[str, Any]:
    return json.loads((DEFAULT_DATA / name).read_text())


@pytest.fixture
def store(database_url: str) -> Iterator[RetailStore]:
    db = Database(database_url)
    store = RetailStore(db)
    store.prepare(DEFAULT_DATA)
    yield store
    db.dispose()


@pytest.fixture
async def client(store: RetailStore) -> AsyncIterator[Client]:
    async with Client(create_server(store), mode="legacy") as client:
        yield client


def _text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def _ok(client: Client, tool: str, args: Mapping[str, object]) -> Any:
    result = await client.call_tool(tool, dict(args))
    assert not result.is_error, _text(result)
    assert result.structured_content is not None
    return result.structured_content.get("result", result.structured_content)


async def _refused(client: Client, tool: str, args: Mapping[str, object]) -> str:
    result = await client.call_tool(tool, dict(args))
    assert result.is_error
    return _text(result).removeprefix(f"Error executing tool {tool}: ")


async def test_the_sixteen_tools_keep_tau_bench_names_and_required_arguments(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    expected = {t["function"]["name"]: t["function"]["parameters"] for t in TAU_TOOLS}
    assert sorted(tools) == sorted(expected)
    assert len(tools) == 16
    for name, params in expected.items():
        schema = tools[name].input_schema
        assert sorted(schema.get("required", [])) == sorted(params["required"]), name
        assert sorted(schema.get("properties", {})) == sorted(params["properties"]), name
    assert tools["cancel_pending_order"].input_schema["properties"]["reason"]["enum"] == [
        "no longer needed",
        "ordered by mistake",
    ]
    writes = {n for n, t in tools.items() if t.annotations and t.annotations.read_only_hint is False}
    assert writes == {
        "cancel_pending_order",
        "exchange_delivered_order_items",
        "modify_pending_order_address",
        "modify_pending_order_items",
        "modify_pending_order_payment",
        "modify_user_address",
        "return_delivered_order_items",
    }


async def test_users_are_found_by_email_or_by_name_and_zip(client: Client) -> None:
    assert await _ok(client, "find_user_id_by_email", {"email": "Noah.Brown7922@example.com"}) == "noah_brown_6181"
    found = await _ok(client, "find_user_id_by_name_zip", {"first_name": "yusuf", "last_name": "ROSSI", "zip": "19122"})
    assert found == "yusuf_rossi_9620"
    assert await _refused(client, "find_user_id_by_email", {"email": "nobody@example.com"}) == "user not found"
    wrong_zip = {"first_name": "Yusuf", "last_name": "Rossi", "zip": "00000"}
    assert await _refused(client, "find_user_id_by_name_zip", wrong_zip) == "user not found"


async def test_user_order_and_product_details_match_the_data(client: Client) -> None:
    user = await _ok(client, "get_user_details", {"user_id": "noah_brown_6181"})
    raw = _data("users.json")["noah_brown_6181"]
    assert user["orders"] == raw["orders"] and user["email"] == raw["email"]
    assert sorted(user["payment_methods"]) == sorted(raw["payment_methods"])
    order = await _ok(client, "get_order_details", {"order_id": "#W2611340"})
    assert order["status"] == "processed"
    assert order["payment_history"] == [
        {"transaction_type": "payment", "amount": 536.65, "payment_method_id": "gift_card_1725971"}
    ]
    assert [i["item_id"] for i in order["items"]] == ["6469567736", "8426249116"]
    shirt = await _ok(client, "get_product_details", {"product_id": "9523456873"})
    assert shirt["name"] == "T-Shirt"
    assert len(shirt["variants"]) == len(_data("products.json")["9523456873"]["variants"])
    types = await _ok(client, "list_all_product_types", {})
    assert len(types) == 50 and types["T-Shirt"] == "9523456873" and list(types) == sorted(types)
    assert await _refused(client, "get_order_details", {"order_id": "W2611340"}) == "order not found"
    assert await _refused(client, "get_product_details", {"product_id": "6469567736"}) == "product not found"
    assert await _refused(client, "get_user_details", {"user_id": "nobody_1"}) == "user not found"


async def test_cancelling_a_gift_card_order_refunds_the_card_at_once(client: Client) -> None:
    order = await _ok(client, "cancel_pending_order", {"order_id": PENDING_GIFT, "reason": "ordered by mistake"})
    assert order["status"] == "cancelled" and order["cancel_reason"] == "ordered by mistake"
    assert order["payment_history"][-1] == {
        "transaction_type": "refund",
        "amount": 4079.45,
        "payment_method_id": "gift_card_7219486",
    }
    user = await _ok(client, "get_user_details", {"user_id": "ethan_lopez_6291"})
    assert user["payment_methods"]["gift_card_7219486"]["balance"] == 4128.45
    again = {"order_id": PENDING_GIFT, "reason": "no longer needed"}
    assert await _refused(client, "cancel_pending_order", again) == "non-pending order cannot be cancelled"
    bad_reason = await client.call_tool("cancel_pending_order", {"order_id": "#W2611340", "reason": "too pricey"})
    assert bad_reason.is_error


async def test_pending_orders_change_address_and_payment(client: Client) -> None:
    address = {
        "address1": "1 Main St",
        "address2": "",
        "city": "Austin",
        "state": "TX",
        "country": "USA",
        "zip": "73301",
    }
    order = await _ok(client, "modify_pending_order_address", {"order_id": PENDING_GIFT, **address})
    assert order["address"] == address
    processed = {"order_id": "#W2611340", **address}
    assert await _refused(client, "modify_pending_order_address", processed) == "non-pending order cannot be modified"
    same = {"order_id": PENDING_GIFT, "payment_method_id": "gift_card_7219486"}
    assert await _refused(client, "modify_pending_order_payment", same) == (
        "the new payment method should be different from the current one"
    )
    card = {"order_id": PENDING_GIFT, "payment_method_id": "credit_card_9789590"}
    order = await _ok(client, "modify_pending_order_payment", card)
    assert [t["transaction_type"] for t in order["payment_history"]] == ["payment", "payment", "refund"]
    assert order["status"] == "pending"
    user = await _ok(client, "get_user_details", {"user_id": "ethan_lopez_6291"})
    assert user["payment_methods"]["gift_card_7219486"]["balance"] == 4128.45
    assert await _refused(client, "modify_pending_order_payment", card) == (
        "there should be exactly one payment for a pending order"
    )


async def test_modifying_items_settles_the_difference_once(client: Client) -> None:
    product = _data("products.json")["7233192239"]
    old = next(i for i in _data("orders.json")[PENDING_GIFT]["items"] if i["item_id"] == "7896397433")
    new_id, new = next((k, v) for k, v in product["variants"].items() if v["available"] and k != "7896397433")
    swap = {"order_id": PENDING_GIFT, "item_ids": ["7896397433"], "new_item_ids": [new_id]}
    unknown_card = {**swap, "payment_method_id": "credit_card_0000000"}
    assert await _refused(client, "modify_pending_order_items", unknown_card) == "payment method not found"
    order = await _ok(client, "modify_pending_order_items", {**swap, "payment_method_id": "credit_card_9789590"})
    assert order["status"] == "pending (item modified)"
    assert order["items"][0]["item_id"] == new_id and order["items"][0]["options"] == new["options"]
    diff = round(new["price"] - old["price"], 2)
    last = order["payment_history"][-1]
    assert last["transaction_type"] == ("payment" if diff > 0 else "refund") and last["amount"] == abs(diff)
    again = {**swap, "item_ids": [new_id], "new_item_ids": ["7896397433"], "payment_method_id": "credit_card_9789590"}
    assert await _refused(client, "modify_pending_order_items", again) == "non-pending order cannot be modified"


async def test_delivered_orders_are_returned_or_exchanged(client: Client) -> None:
    wrong_method = {"order_id": "#W7623533", "item_ids": ["4772738468"], "payment_method_id": "credit_card_8278346"}
    assert await _refused(client, "return_delivered_order_items", wrong_method) == (
        "payment method should be either the original payment method or a gift card"
    )
    missing = {**wrong_method, "item_ids": ["4772738468", "4772738468"], "payment_method_id": "paypal_8673863"}
    assert await _refused(client, "return_delivered_order_items", missing) == "some item not found"
    returned = await _ok(client, "return_delivered_order_items", {**missing, "item_ids": ["4772738468"]})
    assert returned["status"] == "return requested" and returned["return_items"] == ["4772738468"]
    exchange = {
        "order_id": DELIVERED,
        "item_ids": ["4983901480", "1151293680"],
        "new_item_ids": ["7747408585", "7706410293"],
        "payment_method_id": "credit_card_9513926",
    }
    order = await _ok(client, "exchange_delivered_order_items", exchange)
    assert order["status"] == "exchange requested"
    assert order["exchange_items"] == ["1151293680", "4983901480"]
    assert order["exchange_new_items"] == ["7706410293", "7747408585"]
    assert order["exchange_price_difference"] == -16.63
    assert await _refused(client, "exchange_delivered_order_items", exchange) == (
        "non-delivered order cannot be exchanged"
    )


async def test_user_address_calculator_think_and_transfer(client: Client) -> None:
    address = {
        "address1": "9 Elm St",
        "address2": "Apt 2",
        "city": "Boise",
        "state": "ID",
        "country": "USA",
        "zip": "83701",
    }
    user = await _ok(client, "modify_user_address", {"user_id": "noah_brown_6181", **address})
    assert user["address"] == address
    assert await _refused(client, "modify_user_address", {"user_id": "nobody_1", **address}) == "user not found"
    assert await _ok(client, "calculate", {"expression": "(54.04 + 41.64) * 2"}) == "191.36"
    assert await _ok(client, "calculate", {"expression": "-3 / 4"}) == "-0.75"
    assert await _refused(client, "calculate", {"expression": "__import__('os')"}) == "invalid characters in expression"
    assert "cannot calculate" in await _refused(client, "calculate", {"expression": "1 / 0"})
    assert "too large" in await _refused(client, "calculate", {"expression": "9" * 400})
    assert await _ok(client, "think", {"thought": "check the status first"}) == ""
    assert await _ok(client, "transfer_to_human_agents", {"summary": "wants a human"}) == "Transfer successful"


def test_a_missing_data_folder_is_a_clear_error_and_loads_nothing(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    store = RetailStore(db)
    with pytest.raises(RetailDataError, match="users.json not found"):
        store.prepare(tmp_path / "nowhere")
    assert store.find_user_by_email("noah.brown7922@example.com") is None
    db.dispose()
