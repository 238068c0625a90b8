"""RetailStore: the τ-bench retail domain on SQL, with the upstream tools' rules for every change.

Each change runs in one write transaction that reads the order (locked on PostgreSQL), checks the rule, and
writes; a refused change writes nothing. The rules and error texts follow τ-bench's retail tools.
"""

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from switchboard_common.storage import Database

from ._schema import (
    MIGRATIONS,
    fulfillments,
    order_items,
    orders,
    payment_methods,
    products,
    transactions,
    users,
    variants,
)
from ._seed import load_data
from .models import Address, Fulfillment, Name, Order, OrderItem, PaymentMethod, Product, Transaction, User, Variant

__all__ = ["RetailError", "RetailStore"]


class RetailError(Exception):
    """A request the domain refuses (unknown id, wrong status, bad payment method); nothing was changed."""


def _dollars(cents: int) -> float:
    return round(cents / 100, 2)


def _is_gift_card(payment_method_id: str) -> bool:
    return "gift_card" in payment_method_id  # τ-bench decides refunds-to-gift-card by the id, not the source


class RetailStore:
    """The retail tables. `prepare(data)` migrates and, on an empty database, loads a τ-bench data folder."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once before serving."""
        self.db = db

    def prepare(self, data: Path) -> None:
        """Migrate, then load `data` (users/orders/products JSON) unless users exist already (one transaction).

        Raises:
            RetailDataError: the folder is missing or malformed (nothing is loaded).
        """
        self.db.migrate("retail", MIGRATIONS)
        with self.db.write() as conn:
            if not conn.execute(select(func.count()).select_from(users)).scalar_one():
                load_data(conn, data)

    # -- reads -------------------------------------------------------------------------------------------------

    def find_user_by_email(self, email: str) -> str | None:
        """The id of the user with this email (case-insensitive), or None."""
        with self.db.read() as conn:
            query = select(users.c.user_id).where(func.lower(users.c.email) == email.strip().lower())
            return conn.execute(query.order_by(users.c.user_id).limit(1)).scalar()

    def find_user_by_name_zip(self, first_name: str, last_name: str, zip_code: str) -> str | None:
        """The id of the user with this name (case-insensitive) living at this zip code, or None."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(users.c.user_id, users.c.address)
                .where(func.lower(users.c.first_name) == first_name.lower())
                .where(func.lower(users.c.last_name) == last_name.lower())
                .order_by(users.c.user_id)
            ).all()
        return next((uid for uid, address in rows if address.get("zip") == zip_code), None)

    def user(self, user_id: str) -> User | None:
        """A user's profile, payment methods and order ids, or None."""
        with self.db.read() as conn:
            return _user(conn, user_id)

    def order(self, order_id: str) -> Order | None:
        """An order with its items, shipments and payments, or None."""
        with self.db.read() as conn:
            return _order(conn, order_id)

    def product(self, product_id: str) -> Product | None:
        """A product type with all its variants, or None."""
        with self.db.read() as conn:
            row = conn.execute(select(products).where(products.c.product_id == product_id)).mappings().first()
            if row is None:
                return None
            found = conn.execute(
                select(variants).where(variants.c.product_id == product_id).order_by(variants.c.position)
            ).mappings()
            return Product(
                name=row["name"],
                product_id=product_id,
                variants={
                    v["item_id"]: Variant(
                        item_id=v["item_id"],
                        options=v["options"],
                        available=v["available"],
                        price=_dollars(v["price_cents"]),
                    )
                    for v in found
                },
            )

    def product_types(self) -> dict[str, str]:
        """Every product name and its product id, sorted by name."""
        with self.db.read() as conn:
            rows = conn.execute(select(products.c.name, products.c.product_id)).all()
        return dict(sorted((name, pid) for name, pid in rows))

    # -- changes -----------------------------------------------------------------------------------------------

    def cancel(self, order_id: str, reason: str) -> Order:
        """Cancel a pending order and refund every transaction to its method (gift cards at once).

        Raises:
            RetailError: unknown order, not pending, or an invalid reason.
        """
        with self.db.write() as conn:
            order = _pending(conn, order_id, "non-pending order cannot be cancelled")
            if reason not in ("no longer needed", "ordered by mistake"):
                raise RetailError("invalid reason")
            history = list(order.payment_history)
            for n, paid in enumerate(history, start=len(history)):
                cents = round(paid.amount * 100)
                _add_transaction(conn, order_id, n, "refund", cents, paid.payment_method_id)
                if _is_gift_card(paid.payment_method_id):
                    _credit(conn, paid.payment_method_id, cents)
            conn.execute(
                update(orders).where(orders.c.order_id == order_id).values(status="cancelled", cancel_reason=reason)
            )
            return _must_order(conn, order_id)

    def modify_address(self, order_id: str, address: Address) -> Order:
        """Change the shipping address of a pending order.

        Raises:
            RetailError: unknown order or not pending.
        """
        with self.db.write() as conn:
            _pending(conn, order_id, "non-pending order cannot be modified")
            conn.execute(update(orders).where(orders.c.order_id == order_id).values(address=address.model_dump()))
            return _must_order(conn, order_id)

    def modify_payment(self, order_id: str, payment_method_id: str) -> Order:
        """Pay a pending order with another method: charge the new one, refund the old one.

        Raises:
            RetailError: unknown order or method, not pending, not exactly one payment, same method, or a gift
                card without enough balance.
        """
        with self.db.write() as conn:
            order = _pending(conn, order_id, "non-pending order cannot be modified")
            method = _method(conn, order.user_id, payment_method_id)
            history = order.payment_history
            if len(history) != 1 or history[0].transaction_type != "payment":
                raise RetailError("there should be exactly one payment for a pending order")
            old = history[0].payment_method_id
            if old == payment_method_id:
                raise RetailError("the new payment method should be different from the current one")
            amount = round(history[0].amount * 100)
            if method["source"] == "gift_card" and (method["balance_cents"] or 0) < amount:
                raise RetailError("insufficient gift card balance to pay for the order")
            _add_transaction(conn, order_id, 1, "payment", amount, payment_method_id)
            _add_transaction(conn, order_id, 2, "refund", amount, old)
            if method["source"] == "gift_card":
                _credit(conn, payment_method_id, -amount)
            if _is_gift_card(old):
                _credit(conn, old, amount)
            return _must_order(conn, order_id)

    def modify_items(
        self, order_id: str, item_ids: Sequence[str], new_item_ids: Sequence[str], payment_method_id: str
    ) -> Order:
        """Swap items of a pending order for other variants of the same products; settle the difference.

        Raises:
            RetailError: unknown order, item or method, not pending, mismatched lists, an unavailable variant,
                or a gift card that cannot pay the difference.
        """
        with self.db.write() as conn:
            order = _pending(conn, order_id, "non-pending order cannot be modified")
            prices = _swap_prices(conn, order, item_ids, new_item_ids)
            diff = sum(new - old for old, new in prices)
            method = _method(conn, order.user_id, payment_method_id)
            if method["source"] == "gift_card" and (method["balance_cents"] or 0) < diff:
                raise RetailError("insufficient gift card balance to pay for the new item")
            kind = "payment" if diff > 0 else "refund"
            _add_transaction(conn, order_id, len(order.payment_history), kind, abs(diff), payment_method_id)
            if method["source"] == "gift_card":
                _credit(conn, payment_method_id, -diff)
            _apply_swaps(conn, order, item_ids, new_item_ids)
            conn.execute(update(orders).where(orders.c.order_id == order_id).values(status="pending (item modified)"))
            return _must_order(conn, order_id)

    def return_items(self, order_id: str, item_ids: Sequence[str], payment_method_id: str) -> Order:
        """Request the return of items of a delivered order, refunded to the original method or a gift card.

        Raises:
            RetailError: unknown order, item or method, not delivered, or a refund method not allowed.
        """
        with self.db.write() as conn:
            order = _delivered(conn, order_id, "non-delivered order cannot be returned")
            _method(conn, order.user_id, payment_method_id)
            if not _is_gift_card(payment_method_id) and payment_method_id != order.payment_history[0].payment_method_id:
                raise RetailError("payment method should be either the original payment method or a gift card")
            if _missing_item(order, item_ids) is not None:
                raise RetailError("some item not found")
            conn.execute(
                update(orders)
                .where(orders.c.order_id == order_id)
                .values(
                    status="return requested",
                    return_items=sorted(item_ids),
                    return_payment_method_id=payment_method_id,
                )
            )
            return _must_order(conn, order_id)

    def exchange_items(
        self, order_id: str, item_ids: Sequence[str], new_item_ids: Sequence[str], payment_method_id: str
    ) -> Order:
        """Request the exchange of items of a delivered order for other variants of the same products.

        Raises:
            RetailError: unknown order, item or method, not delivered, mismatched lists, an unavailable variant,
                or a gift card that cannot pay the difference.
        """
        with self.db.write() as conn:
            order = _delivered(conn, order_id, "non-delivered order cannot be exchanged")
            diff = sum(new - old for old, new in _swap_prices(conn, order, item_ids, new_item_ids))
            method = _method(conn, order.user_id, payment_method_id)
            if method["source"] == "gift_card" and (method["balance_cents"] or 0) < diff:
                raise RetailError("insufficient gift card balance to pay for the price difference")
            conn.execute(
                update(orders)
                .where(orders.c.order_id == order_id)
                .values(
                    status="exchange requested",
                    exchange_items=sorted(item_ids),
                    exchange_new_items=sorted(new_item_ids),
                    exchange_payment_method_id=payment_method_id,
                    exchange_price_difference_cents=diff,
                )
            )
            return _must_order(conn, order_id)

    def modify_user_address(self, user_id: str, address: Address) -> User:
        """Change a user's default address.

        Raises:
            RetailError: unknown user.
        """
        with self.db.write() as conn:
            done = conn.execute(update(users).where(users.c.user_id == user_id).values(address=address.model_dump()))
            if not done.rowcount:
                raise RetailError("user not found")
            found = _user(conn, user_id)
            assert found is not None
            return found


def _user(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.user_id == user_id)).mappings().first()
    if row is None:
        return None
    methods = conn.execute(
        select(payment_methods).where(payment_methods.c.user_id == user_id).order_by(payment_methods.c.position)
    ).mappings()
    return User(
        user_id=user_id,
        name=Name(first_name=row["first_name"], last_name=row["last_name"]),
        address=Address.model_validate(row["address"]),
        email=row["email"],
        payment_methods={m["payment_method_id"]: _payment_method(m) for m in methods},
        orders=list(row["order_ids"]),
    )


def _payment_method(row: RowMapping) -> PaymentMethod:
    balance = row["balance_cents"]
    return PaymentMethod(
        source=row["source"],
        id=row["payment_method_id"],
        brand=row["brand"],
        last_four=row["last_four"],
        balance=_dollars(balance) if balance is not None else None,
    )


def _order(conn: Connection, order_id: str, *, lock: bool = False) -> Order | None:
    query = select(orders).where(orders.c.order_id == order_id)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        return None
    items = conn.execute(select(order_items).where(order_items.c.order_id == order_id).order_by(order_items.c.line))
    shipped = conn.execute(
        select(fulfillments).where(fulfillments.c.order_id == order_id).order_by(fulfillments.c.line)
    )
    paid = conn.execute(select(transactions).where(transactions.c.order_id == order_id).order_by(transactions.c.seq))
    diff = row["exchange_price_difference_cents"]
    return Order(
        order_id=order_id,
        user_id=row["user_id"],
        address=Address.model_validate(row["address"]),
        items=[
            OrderItem(
                name=i["name"],
                product_id=i["product_id"],
                item_id=i["item_id"],
                price=_dollars(i["price_cents"]),
                options=i["options"],
            )
            for i in items.mappings()
        ],
        fulfillments=[Fulfillment(tracking_id=f["tracking_ids"], item_ids=f["item_ids"]) for f in shipped.mappings()],
        status=row["status"],
        payment_history=[
            Transaction(
                transaction_type=t["transaction_type"],
                amount=_dollars(t["amount_cents"]),
                payment_method_id=t["payment_method_id"],
            )
            for t in paid.mappings()
        ],
        cancel_reason=row["cancel_reason"],
        return_items=row["return_items"],
        return_payment_method_id=row["return_payment_method_id"],
        exchange_items=row["exchange_items"],
        exchange_new_items=row["exchange_new_items"],
        exchange_payment_method_id=row["exchange_payment_method_id"],
        exchange_price_difference=_dollars(diff) if diff is not None else None,
    )


def _must_order(conn: Connection, order_id: str) -> Order:
    found = _order(conn, order_id)
    assert found is not None  # read back inside the transaction that just changed it
    return found


def _in_status(conn: Connection, order_id: str, status: str, refusal: str) -> Order:
    order = _order(conn, order_id, lock=True)
    if order is None:
        raise RetailError("order not found")
    if order.status != status:
        raise RetailError(refusal)
    return order


def _pending(conn: Connection, order_id: str, refusal: str) -> Order:
    return _in_status(conn, order_id, "pending", refusal)


def _delivered(conn: Connection, order_id: str, refusal: str) -> Order:
    return _in_status(conn, order_id, "delivered", refusal)


def _method(conn: Connection, user_id: str, payment_method_id: str) -> RowMapping:
    row = (
        conn.execute(
            select(payment_methods)
            .where(payment_methods.c.payment_method_id == payment_method_id)
            .where(payment_methods.c.user_id == user_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RetailError("payment method not found")
    return row


def _credit(conn: Connection, payment_method_id: str, cents: int) -> None:
    conn.execute(
        update(payment_methods)
        .where(payment_methods.c.payment_method_id == payment_method_id)
        .values(balance_cents=payment_methods.c.balance_cents + cents)
    )


def _add_transaction(conn: Connection, order_id: str, seq: int, kind: str, cents: int, method: str) -> None:
    values: dict[str, Any] = {"transaction_type": kind, "amount_cents": cents, "payment_method_id": method}
    conn.execute(insert(transactions).values(order_id=order_id, seq=seq, **values))


def _missing_item(order: Order, item_ids: Sequence[str]) -> str | None:
    have = Counter(i.item_id for i in order.items)
    wanted = Counter(item_ids)
    return next((item for item in item_ids if wanted[item] > have[item]), None)


def _swap_prices(
    conn: Connection, order: Order, item_ids: Sequence[str], new_item_ids: Sequence[str]
) -> list[tuple[int, int]]:
    """(old, new) price in cents per swap, after checking the items exist and the new variants are available."""
    if (missing := _missing_item(order, item_ids)) is not None:
        raise RetailError(f"{missing} not found")
    if len(item_ids) != len(new_item_ids):
        raise RetailError("the number of items to be exchanged should match")
    prices: list[tuple[int, int]] = []
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=True):
        item = next(i for i in order.items if i.item_id == item_id)
        variant = (
            conn.execute(
                select(variants.c.price_cents, variants.c.available)
                .where(variants.c.item_id == new_item_id)
                .where(variants.c.product_id == item.product_id)
            )
            .mappings()
            .first()
        )
        if variant is None or not variant["available"]:
            raise RetailError(f"new item {new_item_id} not found or available")
        prices.append((round(item.price * 100), variant["price_cents"]))
    return prices


def _apply_swaps(conn: Connection, order: Order, item_ids: Sequence[str], new_item_ids: Sequence[str]) -> None:
    """Replace, for each pair in turn, the first order line still holding the old item id."""
    lines = [i.item_id for i in order.items]
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=True):
        line = lines.index(item_id)
        lines[line] = new_item_id
        variant = conn.execute(select(variants).where(variants.c.item_id == new_item_id)).mappings().one()
        conn.execute(
            update(order_items)
            .where(order_items.c.order_id == order.order_id)
            .where(order_items.c.line == line)
            .values(item_id=new_item_id, price_cents=variant["price_cents"], options=variant["options"])
        )
