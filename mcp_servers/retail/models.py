"""Pydantic I/O models of the retail server, in the shapes τ-bench's retail tools return."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

OrderId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning.",
    ),
]
UserId = Annotated[str, Field(min_length=1, max_length=64, description="The user id, such as 'sara_doe_496'.")]
ItemIds = Annotated[
    list[Annotated[str, Field(max_length=32)]],
    Field(max_length=50, description="Item ids, each such as '1008292230'; an id may repeat."),
]
PaymentMethodId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="A payment method id of the user, such as 'gift_card_0000000' or 'credit_card_0000000'.",
    ),
]
CancelReason = Literal["no longer needed", "ordered by mistake"]


class Address(BaseModel):
    """A postal address."""

    address1: str
    address2: str
    city: str
    country: str
    state: str
    zip: str


class Name(BaseModel):
    """A user's name."""

    first_name: str
    last_name: str


class PaymentMethod(BaseModel):
    """A gift card (with its balance), a PayPal account or a credit card (brand and last four digits)."""

    source: Literal["credit_card", "gift_card", "paypal"]
    id: str
    brand: str | None = None
    last_four: str | None = None
    balance: float | None = None


class User(BaseModel):
    """A user's profile and the ids of their orders."""

    user_id: str
    name: Name
    address: Address
    email: str
    payment_methods: dict[str, PaymentMethod]
    orders: list[str]


class OrderItem(BaseModel):
    """One item of an order: a variant of a product, at the price paid."""

    name: str
    product_id: str
    item_id: str
    price: float
    options: dict[str, str]


class Fulfillment(BaseModel):
    """A shipment: tracking ids and the items it carries."""

    tracking_id: list[str]
    item_ids: list[str]


class Transaction(BaseModel):
    """A payment or a refund on an order."""

    transaction_type: Literal["payment", "refund"]
    amount: float
    payment_method_id: str


class Order(BaseModel):
    """An order with its items, shipments, payments and any pending return or exchange."""

    order_id: str
    user_id: str
    address: Address
    items: list[OrderItem]
    fulfillments: list[Fulfillment]
    status: str
    payment_history: list[Transaction]
    cancel_reason: str | None = None
    return_items: list[str] | None = None
    return_payment_method_id: str | None = None
    exchange_items: list[str] | None = None
    exchange_new_items: list[str] | None = None
    exchange_payment_method_id: str | None = None
    exchange_price_difference: float | None = None


class Variant(BaseModel):
    """One item of a product: its options, price and availability."""

    item_id: str
    options: dict[str, str]
    available: bool
    price: float


class Product(BaseModel):
    """A product type and all its variants, keyed by item id."""

    name: str
    product_id: str
    variants: dict[str, Variant]
