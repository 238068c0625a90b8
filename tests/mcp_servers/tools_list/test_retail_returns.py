"""The `retail` server's `tools/list` contract: any change to a tool shows here.

Returns, exchanges and the user's address (the names are in `test_retail.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_retail_delivered_order_and_user_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list(
        "retail",
        tmp_path,
        only=("return_delivered_order_items", "exchange_delivered_order_items", "modify_user_address"),
    ) == snapshot(
        [
            {
                "name": "return_delivered_order_items",
                "description": """\
Request the return of items of a delivered order; the user gets an email on how to send them back.

        The refund goes to the original payment method or a gift card. Get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            item_ids: The item ids to return, each such as '1008292230'.
            payment_method_id: The original payment method or one of the user's gift cards.
        \
""",
                "inputSchema": {
                    "properties": {
                        "order_id": {
                            "description": "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning.",
                            "maxLength": 32,
                            "minLength": 1,
                            "title": "Order Id",
                            "type": "string",
                        },
                        "item_ids": {
                            "description": "Item ids, each such as '1008292230'; an id may repeat.",
                            "items": {"maxLength": 32, "type": "string"},
                            "maxItems": 50,
                            "title": "Item Ids",
                            "type": "array",
                        },
                        "payment_method_id": {
                            "description": "A payment method id of the user, such as 'gift_card_0000000' or 'credit_card_0000000'.",
                            "maxLength": 64,
                            "minLength": 1,
                            "title": "Payment Method Id",
                            "type": "string",
                        },
                    },
                    "required": ["order_id", "item_ids", "payment_method_id"],
                    "type": "object",
                    "title": "return_delivered_order_itemsArguments",
                },
                "outputSchema": {
                    "properties": {
                        "order_id": {"title": "Order Id", "type": "string"},
                        "user_id": {"title": "User Id", "type": "string"},
                        "address": {"$ref": "#/$defs/Address"},
                        "items": {"items": {"$ref": "#/$defs/OrderItem"}, "title": "Items", "type": "array"},
                        "fulfillments": {
                            "items": {"$ref": "#/$defs/Fulfillment"},
                            "title": "Fulfillments",
                            "type": "array",
                        },
                        "status": {"title": "Status", "type": "string"},
                        "payment_history": {
                            "items": {"$ref": "#/$defs/Transaction"},
                            "title": "Payment History",
                            "type": "array",
                        },
                        "cancel_reason": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "title": "Cancel Reason",
                        },
                        "return_items": {
                            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                            "default": None,
                            "title": "Return Items",
                        },
                        "return_payment_method_id": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "title": "Return Payment Method Id",
                        },
                        "exchange_items": {
                            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange Items",
                        },
                        "exchange_new_items": {
                            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange New Items",
                        },
                        "exchange_payment_method_id": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange Payment Method Id",
                        },
                        "exchange_price_difference": {
                            "anyOf": [{"type": "number"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange Price Difference",
                        },
                    },
                    "required": [
                        "order_id",
                        "user_id",
                        "address",
                        "items",
                        "fulfillments",
                        "status",
                        "payment_history",
                    ],
                    "type": "object",
                    "$defs": {
                        "Address": {
                            "description": "A postal address.",
                            "properties": {
                                "address1": {"title": "Address1", "type": "string"},
                                "address2": {"title": "Address2", "type": "string"},
                                "city": {"title": "City", "type": "string"},
                                "country": {"title": "Country", "type": "string"},
                                "state": {"title": "State", "type": "string"},
                                "zip": {"title": "Zip", "type": "string"},
                            },
                            "required": ["address1", "address2", "city", "country", "state", "zip"],
                            "title": "Address",
                            "type": "object",
                        },
                        "Fulfillment": {
                            "description": "A shipment: tracking ids and the items it carries.",
                            "properties": {
                                "tracking_id": {"items": {"type": "string"}, "title": "Tracking Id", "type": "array"},
                                "item_ids": {"items": {"type": "string"}, "title": "Item Ids", "type": "array"},
                            },
                            "required": ["tracking_id", "item_ids"],
                            "title": "Fulfillment",
                            "type": "object",
                        },
                        "OrderItem": {
                            "description": "One item of an order: a variant of a product, at the price paid.",
                            "properties": {
                                "name": {"title": "Name", "type": "string"},
                                "product_id": {"title": "Product Id", "type": "string"},
                                "item_id": {"title": "Item Id", "type": "string"},
                                "price": {"title": "Price", "type": "number"},
                                "options": {
                                    "additionalProperties": {"type": "string"},
                                    "title": "Options",
                                    "type": "object",
                                },
                            },
                            "required": ["name", "product_id", "item_id", "price", "options"],
                            "title": "OrderItem",
                            "type": "object",
                        },
                        "Transaction": {
                            "description": "A payment or a refund on an order.",
                            "properties": {
                                "transaction_type": {
                                    "enum": ["payment", "refund"],
                                    "title": "Transaction Type",
                                    "type": "string",
                                },
                                "amount": {"title": "Amount", "type": "number"},
                                "payment_method_id": {"title": "Payment Method Id", "type": "string"},
                            },
                            "required": ["transaction_type", "amount", "payment_method_id"],
                            "title": "Transaction",
                            "type": "object",
                        },
                    },
                    "description": "An order with its items, shipments, payments and any pending return or exchange.",
                    "title": "Order",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
            {
                "name": "exchange_delivered_order_items",
                "description": """\
Request the exchange of items of a delivered order for available variants of the same products.

        Return or exchange can be done once per delivered order, so collect every item first. Get the user's
        explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            item_ids: The item ids to exchange, each such as '1008292230'.
            new_item_ids: The new item ids, position by position, of the same products.
            payment_method_id: The method that pays or receives the price difference.
        \
""",
                "inputSchema": {
                    "properties": {
                        "order_id": {
                            "description": "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning.",
                            "maxLength": 32,
                            "minLength": 1,
                            "title": "Order Id",
                            "type": "string",
                        },
                        "item_ids": {
                            "description": "Item ids, each such as '1008292230'; an id may repeat.",
                            "items": {"maxLength": 32, "type": "string"},
                            "maxItems": 50,
                            "title": "Item Ids",
                            "type": "array",
                        },
                        "new_item_ids": {
                            "description": "Item ids, each such as '1008292230'; an id may repeat.",
                            "items": {"maxLength": 32, "type": "string"},
                            "maxItems": 50,
                            "title": "New Item Ids",
                            "type": "array",
                        },
                        "payment_method_id": {
                            "description": "A payment method id of the user, such as 'gift_card_0000000' or 'credit_card_0000000'.",
                            "maxLength": 64,
                            "minLength": 1,
                            "title": "Payment Method Id",
                            "type": "string",
                        },
                    },
                    "required": ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
                    "type": "object",
                    "title": "exchange_delivered_order_itemsArguments",
                },
                "outputSchema": {
                    "properties": {
                        "order_id": {"title": "Order Id", "type": "string"},
                        "user_id": {"title": "User Id", "type": "string"},
                        "address": {"$ref": "#/$defs/Address"},
                        "items": {"items": {"$ref": "#/$defs/OrderItem"}, "title": "Items", "type": "array"},
                        "fulfillments": {
                            "items": {"$ref": "#/$defs/Fulfillment"},
                            "title": "Fulfillments",
                            "type": "array",
                        },
                        "status": {"title": "Status", "type": "string"},
                        "payment_history": {
                            "items": {"$ref": "#/$defs/Transaction"},
                            "title": "Payment History",
                            "type": "array",
                        },
                        "cancel_reason": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "title": "Cancel Reason",
                        },
                        "return_items": {
                            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                            "default": None,
                            "title": "Return Items",
                        },
                        "return_payment_method_id": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "title": "Return Payment Method Id",
                        },
                        "exchange_items": {
                            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange Items",
                        },
                        "exchange_new_items": {
                            "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange New Items",
                        },
                        "exchange_payment_method_id": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange Payment Method Id",
                        },
                        "exchange_price_difference": {
                            "anyOf": [{"type": "number"}, {"type": "null"}],
                            "default": None,
                            "title": "Exchange Price Difference",
                        },
                    },
                    "required": [
                        "order_id",
                        "user_id",
                        "address",
                        "items",
                        "fulfillments",
                        "status",
                        "payment_history",
                    ],
                    "type": "object",
                    "$defs": {
                        "Address": {
                            "description": "A postal address.",
                            "properties": {
                                "address1": {"title": "Address1", "type": "string"},
                                "address2": {"title": "Address2", "type": "string"},
                                "city": {"title": "City", "type": "string"},
                                "country": {"title": "Country", "type": "string"},
                                "state": {"title": "State", "type": "string"},
                                "zip": {"title": "Zip", "type": "string"},
                            },
                            "required": ["address1", "address2", "city", "country", "state", "zip"],
                            "title": "Address",
                            "type": "object",
                        },
                        "Fulfillment": {
                            "description": "A shipment: tracking ids and the items it carries.",
                            "properties": {
                                "tracking_id": {"items": {"type": "string"}, "title": "Tracking Id", "type": "array"},
                                "item_ids": {"items": {"type": "string"}, "title": "Item Ids", "type": "array"},
                            },
                            "required": ["tracking_id", "item_ids"],
                            "title": "Fulfillment",
                            "type": "object",
                        },
                        "OrderItem": {
                            "description": "One item of an order: a variant of a product, at the price paid.",
                            "properties": {
                                "name": {"title": "Name", "type": "string"},
                                "product_id": {"title": "Product Id", "type": "string"},
                                "item_id": {"title": "Item Id", "type": "string"},
                                "price": {"title": "Price", "type": "number"},
                                "options": {
                                    "additionalProperties": {"type": "string"},
                                    "title": "Options",
                                    "type": "object",
                                },
                            },
                            "required": ["name", "product_id", "item_id", "price", "options"],
                            "title": "OrderItem",
                            "type": "object",
                        },
                        "Transaction": {
                            "description": "A payment or a refund on an order.",
                            "properties": {
                                "transaction_type": {
                                    "enum": ["payment", "refund"],
                                    "title": "Transaction Type",
                                    "type": "string",
                                },
                                "amount": {"title": "Amount", "type": "number"},
                                "payment_method_id": {"title": "Payment Method Id", "type": "string"},
                            },
                            "required": ["transaction_type", "amount", "payment_method_id"],
                            "title": "Transaction",
                            "type": "object",
                        },
                    },
                    "description": "An order with its items, shipments, payments and any pending return or exchange.",
                    "title": "Order",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
            {
                "name": "modify_user_address",
                "description": """\
Change a user's default address. Explain it and get the user's explicit yes first.

        Args:
            user_id: The user id, such as 'sara_doe_496'.
            address1: First line, such as '123 Main St'.
            address2: Second line, such as 'Apt 1', or ''.
            city: The city, such as 'San Francisco'.
            state: The state, such as 'CA'.
            country: The country, such as 'USA'.
            zip: The zip code, such as '12345'.
        \
""",
                "inputSchema": {
                    "properties": {
                        "user_id": {
                            "description": "The user id, such as 'sara_doe_496'.",
                            "maxLength": 64,
                            "minLength": 1,
                            "title": "User Id",
                            "type": "string",
                        },
                        "address1": {"maxLength": 200, "title": "Address1", "type": "string"},
                        "address2": {"maxLength": 200, "title": "Address2", "type": "string"},
                        "city": {"maxLength": 200, "title": "City", "type": "string"},
                        "state": {"maxLength": 200, "title": "State", "type": "string"},
                        "country": {"maxLength": 200, "title": "Country", "type": "string"},
                        "zip": {"maxLength": 200, "title": "Zip", "type": "string"},
                    },
                    "required": ["user_id", "address1", "address2", "city", "state", "country", "zip"],
                    "type": "object",
                    "title": "modify_user_addressArguments",
                },
                "outputSchema": {
                    "properties": {
                        "user_id": {"title": "User Id", "type": "string"},
                        "name": {"$ref": "#/$defs/Name"},
                        "address": {"$ref": "#/$defs/Address"},
                        "email": {"title": "Email", "type": "string"},
                        "payment_methods": {
                            "additionalProperties": {"$ref": "#/$defs/PaymentMethod"},
                            "title": "Payment Methods",
                            "type": "object",
                        },
                        "orders": {"items": {"type": "string"}, "title": "Orders", "type": "array"},
                    },
                    "required": ["user_id", "name", "address", "email", "payment_methods", "orders"],
                    "type": "object",
                    "$defs": {
                        "Address": {
                            "description": "A postal address.",
                            "properties": {
                                "address1": {"title": "Address1", "type": "string"},
                                "address2": {"title": "Address2", "type": "string"},
                                "city": {"title": "City", "type": "string"},
                                "country": {"title": "Country", "type": "string"},
                                "state": {"title": "State", "type": "string"},
                                "zip": {"title": "Zip", "type": "string"},
                            },
                            "required": ["address1", "address2", "city", "country", "state", "zip"],
                            "title": "Address",
                            "type": "object",
                        },
                        "Name": {
                            "description": "A user's name.",
                            "properties": {
                                "first_name": {"title": "First Name", "type": "string"},
                                "last_name": {"title": "Last Name", "type": "string"},
                            },
                            "required": ["first_name", "last_name"],
                            "title": "Name",
                            "type": "object",
                        },
                        "PaymentMethod": {
                            "description": "A gift card (with its balance), a PayPal account or a credit card (brand and last four digits).",
                            "properties": {
                                "source": {
                                    "enum": ["credit_card", "gift_card", "paypal"],
                                    "title": "Source",
                                    "type": "string",
                                },
                                "id": {"title": "Id", "type": "string"},
                                "brand": {
                                    "anyOf": [{"type": "string"}, {"type": "null"}],
                                    "default": None,
                                    "title": "Brand",
                                },
                                "last_four": {
                                    "anyOf": [{"type": "string"}, {"type": "null"}],
                                    "default": None,
                                    "title": "Last Four",
                                },
                                "balance": {
                                    "anyOf": [{"type": "number"}, {"type": "null"}],
                                    "default": None,
                                    "title": "Balance",
                                },
                            },
                            "required": ["source", "id"],
                            "title": "PaymentMethod",
                            "type": "object",
                        },
                    },
                    "description": "A user's profile and the ids of their orders.",
                    "title": "User",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
        ]
    )
