"""The orders MCP server: order lookup, identity verification and order history."""

from datetime import date, timedelta
from typing import Annotated

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_servers._common.identity import Email, bound_customer, check_customer, normalise_email
from mcp_servers._common.shop import DEFAULT_RETURN_WINDOW_DAYS
from mcp_servers._common.text import UnsafeTextGuard
from switchboard_common.clock import today

from .models import Order, OrderId, OrderItem, OrderList, OrderStatus, OrderSummary, VerifiedCustomer
from .store import OrderRecord, OrdersStore

__all__ = ["create_server", "order_view"]

NOT_FOUND = (
    "No order matches that order number and email. Ask the customer to check both exactly as they appear "
    "on the order confirmation email."
)
INSTRUCTIONS = """ShopExpress orders. A lookup needs the order number (ORD-12345) together with the email on \
the order, unless the customer was already verified in this conversation; ask the customer for whichever is \
missing. Never guess either."""

_READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def _money(cents: int) -> float:
    return round(cents / 100, 2)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def order_view(record: OrderRecord, on: date, return_window_days: int = DEFAULT_RETURN_WINDOW_DAYS) -> Order:
    """The `lookup_order` result for a stored order, as seen on day `on`, with the shop's return window."""
    delivered = record.delivered_at.date() if record.delivered_at else None
    window_end = delivered + timedelta(days=return_window_days) if delivered else None
    return Order(
        order_id=record.order_id,
        status=record.status,  # pyright: ignore[reportArgumentType] - the column holds OrderStatus values only
        placed_on=record.placed_at.date().isoformat(),
        shipped_on=_day(record.shipped_at.date() if record.shipped_at else None),
        delivered_on=_day(delivered),
        cancelled_on=_day(record.cancelled_at.date() if record.cancelled_at else None),
        returned_on=_day(record.returned_at.date() if record.returned_at else None),
        days_since_delivery=(on - delivered).days if delivered else None,
        return_window_ends_on=_day(window_end),
        within_return_window=(on <= window_end) if window_end and record.status == "delivered" else None,
        items=[
            OrderItem(
                sku=i.sku,
                name=i.name,
                quantity=i.quantity,
                unit_price=_money(i.unit_price_cents),
                line_total=_money(i.unit_price_cents * i.quantity),
            )
            for i in record.items
        ],
        subtotal=_money(record.subtotal_cents),
        shipping=_money(record.shipping_cents),
        total=_money(record.total_cents),
        currency=record.currency,
        carrier=record.carrier,
        tracking_number=record.tracking_number,
        shipping_address=record.shipping_address,
        payment_method=record.payment_method,
        notes=record.notes,
    )


def create_server(store: OrdersStore, *, return_window_days: int = DEFAULT_RETURN_WINDOW_DAYS) -> MCPServer:
    """Build the orders server on a prepared store; `return_window_days` is the shop's (`--return-window-days`)."""
    server = MCPServer(
        "orders", version="0.1.0", instructions=INSTRUCTIONS, log_level="WARNING", middleware=[UnsafeTextGuard()]
    )

    def owned(ctx: Context, order_id: str, customer_email: str | None) -> OrderRecord:
        record = store.get_order(order_id)
        check_customer(ctx, customer_email, record.customer_email if record else None, not_found=NOT_FOUND)
        assert record is not None  # check_customer refuses a missing record
        return record

    @server.tool(title="Look up an order", annotations=_READ)
    def lookup_order(order_id: OrderId, ctx: Context, customer_email: Email | None = None) -> Order:
        """Look up an order's status, items, totals, tracking and dates.

        Use it whenever the customer asks about an order. Ask the customer for the order number and the email
        used for the order, and pass both; the email may be left out only once the customer has been verified
        in this conversation.

        Args:
            order_id: The order number, e.g. ORD-78432.
            customer_email: The email address on the order (proof that the customer owns it).
        """
        return order_view(owned(ctx, order_id, customer_email), today(), return_window_days)

    @server.tool(title="Verify a customer", annotations=_READ)
    def verify_customer(order_id: OrderId, customer_email: Email, ctx: Context) -> VerifiedCustomer:
        """Verify a customer's identity from an order number and the email on that order.

        Call it before acting on anything account-specific when the customer has not yet been verified.

        Args:
            order_id: An order number the customer placed, e.g. ORD-78432.
            customer_email: The email address on that order.
        """
        record = owned(ctx, order_id, customer_email)
        return VerifiedCustomer(
            verified=True,
            customer_email=record.customer_email,
            customer_name=record.customer_name,
            order_id=record.order_id,
        )

    @server.tool(title="List a customer's orders", annotations=_READ)
    def list_customer_orders(
        customer_email: Email,
        ctx: Context,
        status: OrderStatus | None = None,
        limit: Annotated[int, Field(ge=1, le=50, description="How many orders, newest first")] = 10,
    ) -> OrderList:
        """List a verified customer's recent orders, newest first.

        Only works once the customer has been verified in this conversation (verify_customer or lookup_order).

        Args:
            customer_email: The verified customer's email.
            status: Only orders in this status.
            limit: How many orders to return (1-50).
        """
        email = normalise_email(customer_email)
        if bound_customer(ctx) != email:
            raise ToolError(
                "The customer is not verified yet. Ask for one of their order numbers and the email on it, "
                "then call verify_customer."
            )
        records = store.list_orders(email, status=status, limit=limit)
        return OrderList(
            customer_email=email,
            orders=[
                OrderSummary(
                    order_id=r.order_id,
                    status=r.status,  # pyright: ignore[reportArgumentType]
                    placed_on=r.placed_at.date().isoformat(),
                    total=_money(r.total_cents),
                    currency=r.currency,
                    item_names=[i.name for i in r.items],
                )
                for r in records
            ],
        )

    return server
