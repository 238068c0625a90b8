"""The retail MCP server: τ-bench's 16 retail tools, with their names, arguments and rules.

The tool descriptions are written for this server; the behaviour (what each tool checks and changes) is
τ-bench's. Expected refusals raise `ToolError` with τ-bench's wording, so the model reads the same reason.
"""

import ast
from collections.abc import Callable
from typing import Annotated, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from .models import Address, CancelReason, ItemIds, Order, OrderId, PaymentMethodId, Product, User, UserId
from .store import RetailError, RetailStore

__all__ = ["create_server", "evaluate"]

INSTRUCTIONS = """Retail store back office (the τ-bench retail domain). Find the user first (by email, or by \
name and zip code), then read their profile, orders and products. Changes (cancel, modify, return, exchange, \
address) act at once: explain them and get the customer's explicit yes before calling."""

_READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
_WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {ast.UAdd: lambda a: a, ast.USub: lambda a: -a}
_ALLOWED = set("0123456789+-*/(). ")
T = TypeVar("T")

Line = Annotated[str, Field(max_length=200)]


def evaluate(expression: str) -> str:
    """Arithmetic on numbers with + - * / and parentheses, rounded to 2 decimals (no names, no calls).

    Raises:
        ToolError: other characters, bad syntax, a division by zero, or a number too large for a float.
    """
    if not expression.strip() or not set(expression) <= _ALLOWED:
        raise ToolError("invalid characters in expression")
    try:
        value = float(_eval(ast.parse(expression, mode="eval").body))
    except (SyntaxError, ZeroDivisionError, ValueError, OverflowError) as exc:  # 400 digits overflow a float
        raise ToolError(f"cannot calculate {expression!r}: {exc}") from exc
    return str(round(value, 2))


def _eval(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    raise ValueError("only numbers, + - * / and parentheses")


def _found(value: T | None, what: str) -> T:
    if value is None:
        raise ToolError(f"{what} not found")
    return value


def _change(action: Callable[[], T]) -> T:
    try:
        return action()
    except RetailError as exc:
        raise ToolError(str(exc)) from exc


def create_server(store: RetailStore) -> MCPServer:
    """Build the retail server on a prepared store."""
    server = MCPServer("retail", version="0.1.0", instructions=INSTRUCTIONS, log_level="WARNING")
    _add_lookups(server, store)
    _add_order_changes(server, store)
    _add_other_tools(server, store)
    return server


def _add_lookups(server: MCPServer, store: RetailStore) -> None:
    @server.tool(annotations=_READ)
    def find_user_id_by_email(email: Annotated[str, Field(max_length=254)]) -> str:
        """Find a user's id from their email address; an unknown email is an error.

        Args:
            email: The user's email, such as 'something@example.com'.
        """
        return _found(store.find_user_by_email(email), "user")

    @server.tool(annotations=_READ)
    def find_user_id_by_name_zip(
        first_name: Annotated[str, Field(max_length=80)],
        last_name: Annotated[str, Field(max_length=80)],
        zip: Annotated[str, Field(max_length=20)],
    ) -> str:
        """Find a user's id from their first name, last name and zip code; use it when email does not work.

        Args:
            first_name: The first name, such as 'John'.
            last_name: The last name, such as 'Doe'.
            zip: The zip code, such as '12345'.
        """
        return _found(store.find_user_by_name_zip(first_name, last_name, zip), "user")

    @server.tool(annotations=_READ)
    def get_user_details(user_id: UserId) -> User:
        """Get a user's profile: name, default address, email, payment methods (with gift card balances), orders.

        Args:
            user_id: The user id, such as 'sara_doe_496'.
        """
        return _found(store.user(user_id), "user")

    @server.tool(annotations=_READ)
    def get_order_details(order_id: OrderId) -> Order:
        """Get an order's status, items (with item and product ids), shipments and payment history.

        Args:
            order_id: The order id, such as '#W0000000' (with the '#').
        """
        return _found(store.order(order_id), "order")

    @server.tool(annotations=_READ)
    def get_product_details(
        product_id: Annotated[str, Field(max_length=32, description="A product id such as '6086499569'.")],
    ) -> Product:
        """Get a product type and every variant item: options, price and availability.

        Args:
            product_id: The product id, such as '6086499569' (not an item id).
        """
        return _found(store.product(product_id), "product")

    @server.tool(annotations=_READ)
    def list_all_product_types() -> dict[str, str]:
        """List the name and product id of every product type in the store (there are 50)."""
        return store.product_types()


def _add_order_changes(server: MCPServer, store: RetailStore) -> None:
    @server.tool(annotations=_WRITE)
    def cancel_pending_order(order_id: OrderId, reason: CancelReason) -> Order:
        """Cancel a pending order and refund it (gift cards at once, other methods in 5-7 business days).

        Only pending orders can be cancelled. Explain the cancellation and get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            reason: 'no longer needed' or 'ordered by mistake'.
        """
        return _change(lambda: store.cancel(order_id, reason))

    @server.tool(annotations=_WRITE)
    def modify_pending_order_address(
        order_id: OrderId, address1: Line, address2: Line, city: Line, state: Line, country: Line, zip: Line
    ) -> Order:
        """Change the shipping address of a pending order. Explain it and get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            address1: First line, such as '123 Main St'.
            address2: Second line, such as 'Apt 1', or ''.
            city: The city, such as 'San Francisco'.
            state: The state, such as 'CA'.
            country: The country, such as 'USA'.
            zip: The zip code, such as '12345'.
        """
        address = Address(address1=address1, address2=address2, city=city, country=country, state=state, zip=zip)
        return _change(lambda: store.modify_address(order_id, address))

    @server.tool(annotations=_WRITE)
    def modify_pending_order_payment(order_id: OrderId, payment_method_id: PaymentMethodId) -> Order:
        """Pay a pending order with another of the user's payment methods; the old one is refunded.

        A gift card must cover the whole total. Explain it and get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            payment_method_id: The new payment method, different from the current one.
        """
        return _change(lambda: store.modify_payment(order_id, payment_method_id))

    @server.tool(annotations=_WRITE)
    def modify_pending_order_items(
        order_id: OrderId, item_ids: ItemIds, new_item_ids: ItemIds, payment_method_id: PaymentMethodId
    ) -> Order:
        """Swap items of a pending order for available variants of the same products. Callable once per order.

        The order becomes 'pending (item modified)' and cannot be changed again, so collect every item first.
        The payment method pays or receives the price difference. Get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            item_ids: The item ids to change, each such as '1008292230'.
            new_item_ids: The new item ids, position by position, of the same products.
            payment_method_id: The method that pays or receives the price difference.
        """
        return _change(lambda: store.modify_items(order_id, item_ids, new_item_ids, payment_method_id))

    @server.tool(annotations=_WRITE)
    def return_delivered_order_items(order_id: OrderId, item_ids: ItemIds, payment_method_id: PaymentMethodId) -> Order:
        """Request the return of items of a delivered order; the user gets an email on how to send them back.

        The refund goes to the original payment method or a gift card. Get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            item_ids: The item ids to return, each such as '1008292230'.
            payment_method_id: The original payment method or one of the user's gift cards.
        """
        return _change(lambda: store.return_items(order_id, item_ids, payment_method_id))

    @server.tool(annotations=_WRITE)
    def exchange_delivered_order_items(
        order_id: OrderId, item_ids: ItemIds, new_item_ids: ItemIds, payment_method_id: PaymentMethodId
    ) -> Order:
        """Request the exchange of items of a delivered order for available variants of the same products.

        Return or exchange can be done once per delivered order, so collect every item first. Get the user's
        explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            item_ids: The item ids to exchange, each such as '1008292230'.
            new_item_ids: The new item ids, position by position, of the same products.
            payment_method_id: The method that pays or receives the price difference.
        """
        return _change(lambda: store.exchange_items(order_id, item_ids, new_item_ids, payment_method_id))


def _add_other_tools(server: MCPServer, store: RetailStore) -> None:
    @server.tool(annotations=_WRITE)
    def modify_user_address(
        user_id: UserId, address1: Line, address2: Line, city: Line, state: Line, country: Line, zip: Line
    ) -> User:
        """Change a user's default address. Explain it and get the user's explicit yes first.

        Args:
            user_id: The user id, such as 'sara_doe_496'.
            address1: First line, such as '123 Main St'.
            address2: Second line, such as 'Apt 1', or ''.
            city: The city, such as 'San Francisco'.
            state: The state, such as 'CA'.
            country: The country, such as 'USA'.
            zip: The zip code, such as '12345'.
        """
        address = Address(address1=address1, address2=address2, city=city, country=country, state=state, zip=zip)
        return _change(lambda: store.modify_user_address(user_id, address))

    @server.tool(annotations=_READ)
    def calculate(expression: Annotated[str, Field(max_length=500)]) -> str:
        """Calculate an arithmetic expression (numbers, + - * /, parentheses), rounded to 2 decimals.

        Args:
            expression: Such as '(54.04 + 41.64) * 2'.
        """
        return evaluate(expression)

    @server.tool(annotations=_READ)
    def think(thought: Annotated[str, Field(max_length=8000)]) -> str:
        """Write down a thought (reasoning, a plan, notes to remember); it changes nothing and returns nothing.

        Args:
            thought: The thought.
        """
        return ""

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    def transfer_to_human_agents(summary: Annotated[str, Field(max_length=4000)]) -> str:
        """Transfer the user to a human agent with a summary of the issue.

        Only when the user explicitly asks for a human, or the request cannot be handled with these tools.

        Args:
            summary: A summary of the user's issue.
        """
        return "Transfer successful"
