"""The `retail` server's `tools/list` contract: any change to a tool shows here.

The tools that change a pending order (the names are in `test_retail.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_retail_pending_order_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list(
        "retail",
        tmp_path,
        only=(
            "cancel_pending_order",
            "modify_pending_order_address",
            "modify_pending_order_payment",
            "modify_pending_order_items",
        ),
    ) == snapshot(
        [
            {
                "name": "cancel_pending_order",
                "description": """\
Cancel a pending order and refund it (gift cards at once, other methods in 5-7 business days).

        Only pending orders can be cancelled. Explain the cancellation and get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            reason: 'no longer needed' or 'ordered by mistake'.
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
                        "reason": {
                            "enum": ["no longer needed", "ordered by mistake"],
                            "title": "Reason",
                            "type": "string",
                        },
                    },
                    "required": ["order_id", "reason"],
                    "type": "object",
                    "title": "cancel_pending_orderArguments",
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
                "name": "modify_pending_order_address",
                "description": """\
Change the shipping address of a pending order. Explain it and get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
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
                        "order_id": {
                            "description": "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning.",
                            "maxLength": 32,
                            "minLength": 1,
                            "title": "Order Id",
                            "type": "string",
                        },
                        "address1": {"maxLength": 200, "title": "Address1", "type": "string"},
                        "address2": {"maxLength": 200, "title": "Address2", "type": "string"},
                        "city": {"maxLength": 200, "title": "City", "type": "string"},
                        "state": {"maxLength": 200, "title": "State", "type": "string"},
                        "country": {"maxLength": 200, "title": "Country", "type": "string"},
                        "zip": {"maxLength": 200, "title": "Zip", "type": "string"},
                    },
                    "required": ["order_id", "address1", "address2", "city", "state", "country", "zip"],
                    "type": "object",
                    "title": "modify_pending_order_addressArguments",
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
                "name": "modify_pending_order_payment",
                "description": """\
Pay a pending order with another of the user's payment methods; the old one is refunded.

        A gift card must cover the whole total. Explain it and get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            payment_method_id: The new payment method, different from the current one.
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
                        "payment_method_id": {
                            "description": "A payment method id of the user, such as 'gift_card_0000000' or 'credit_card_0000000'.",
                            "maxLength": 64,
                            "minLength": 1,
                            "title": "Payment Method Id",
                            "type": "string",
                        },
                    },
                    "required": ["order_id", "payment_method_id"],
                    "type": "object",
                    "title": "modify_pending_order_paymentArguments",
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
                "name": "modify_pending_order_items",
                "description": """\
Swap items of a pending order for available variants of the same products. Callable once per order.

        The order becomes 'pending (item modified)' and cannot be changed again, so collect every item first.
        The payment method pays or receives the price difference. Get the user's explicit yes first.

        Args:
            order_id: The order id, such as '#W0000000'.
            item_ids: The item ids to change, each such as '1008292230'.
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
                    "title": "modify_pending_order_itemsArguments",
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
        ]
    )
