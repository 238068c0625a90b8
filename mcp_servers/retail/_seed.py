"""Loading a τ-bench retail data folder (`users.json`, `orders.json`, `products.json`) into empty tables.

The data is read at run time from the folder given (never bundled with the package); see the folder's SOURCE.md
for its origin and licence.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from ._schema import fulfillments, order_items, orders, payment_methods, products, transactions, users, variants

__all__ = ["DATA_FILES", "RetailDataError", "cents", "load_data"]

DATA_FILES = ("users.json", "orders.json", "products.json")


class RetailDataError(Exception):
    """The data folder is missing a file or holds something that is not τ-bench retail data."""


def cents(amount: float) -> int:
    """Dollars (at most two decimals, as in the data) to integer cents."""
    return round(amount * 100)


def _read(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    try:
        value: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RetailDataError(f"{path} not found: point --data at a τ-bench retail data folder") from exc
    except ValueError as exc:
        raise RetailDataError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise RetailDataError(f"{path}: expected a JSON object keyed by id")
    return cast(dict[str, Any], value)


def load_data(conn: Connection, folder: Path) -> int:
    """Insert every user, product and order of `folder` (in the caller's transaction); returns the order count.

    Raises:
        RetailDataError: a file is missing, unreadable or malformed.
    """
    raw_users, raw_orders, raw_products = (_read(folder, name) for name in DATA_FILES)
    try:
        _insert_products(conn, raw_products)
        _insert_users(conn, raw_users)
        _insert_orders(conn, raw_orders)
    except (KeyError, TypeError, AttributeError) as exc:
        raise RetailDataError(f"{folder}: unexpected data shape ({type(exc).__name__}: {exc})") from exc
    return len(raw_orders)


def _insert_products(conn: Connection, raw: Mapping[str, Any]) -> None:
    conn.execute(insert(products), [{"product_id": pid, "name": p["name"]} for pid, p in raw.items()])
    rows = [
        {
            "item_id": item_id,
            "product_id": pid,
            "position": n,
            "options": v["options"],
            "available": bool(v["available"]),
            "price_cents": cents(v["price"]),
        }
        for pid, p in raw.items()
        for n, (item_id, v) in enumerate(p["variants"].items())
    ]
    conn.execute(insert(variants), rows)


def _insert_users(conn: Connection, raw: Mapping[str, Any]) -> None:
    conn.execute(
        insert(users),
        [
            {
                "user_id": uid,
                "first_name": u["name"]["first_name"],
                "last_name": u["name"]["last_name"],
                "email": u["email"],
                "address": u["address"],
                "order_ids": list(u["orders"]),
            }
            for uid, u in raw.items()
        ],
    )
    conn.execute(
        insert(payment_methods),
        [
            {
                "payment_method_id": pm_id,
                "user_id": uid,
                "position": n,
                "source": pm["source"],
                "brand": pm.get("brand"),
                "last_four": pm.get("last_four"),
                "balance_cents": cents(pm["balance"]) if "balance" in pm else None,
            }
            for uid, u in raw.items()
            for n, (pm_id, pm) in enumerate(u["payment_methods"].items())
        ],
    )


def _insert_orders(conn: Connection, raw: Mapping[str, Any]) -> None:
    conn.execute(
        insert(orders),
        [
            {"order_id": oid, "user_id": o["user_id"], "address": o["address"], "status": o["status"]}
            for oid, o in raw.items()
        ],
    )
    conn.execute(
        insert(order_items),
        [
            {
                "order_id": oid,
                "line": n,
                "item_id": i["item_id"],
                "product_id": i["product_id"],
                "name": i["name"],
                "price_cents": cents(i["price"]),
                "options": i["options"],
            }
            for oid, o in raw.items()
            for n, i in enumerate(o["items"])
        ],
    )
    shipped = [
        {"order_id": oid, "line": n, "tracking_ids": list(f["tracking_id"]), "item_ids": list(f["item_ids"])}
        for oid, o in raw.items()
        for n, f in enumerate(o["fulfillments"])
    ]
    if shipped:
        conn.execute(insert(fulfillments), shipped)
    conn.execute(
        insert(transactions),
        [
            {
                "order_id": oid,
                "seq": n,
                "transaction_type": t["transaction_type"],
                "amount_cents": cents(t["amount"]),
                "payment_method_id": t["payment_method_id"],
            }
            for oid, o in raw.items()
            for n, t in enumerate(o["payment_history"])
        ],
    )
