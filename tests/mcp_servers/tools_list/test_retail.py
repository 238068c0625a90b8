"""The `retail` server's `tools/list` contract: any change to a tool shows here.

All tool names, and the read-only tools (the others are in `test_retail_order_writes.py` and
`test_retail_returns.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_retail_tool_names(tmp_path: Path) -> None:
    assert [tool["name"] for tool in await tools_list("retail", tmp_path)] == snapshot(
        [
            "find_user_id_by_email",
            "find_user_id_by_name_zip",
            "get_user_details",
            "get_order_details",
            "get_product_details",
            "list_all_product_types",
            "cancel_pending_order",
            "modify_pending_order_address",
            "modify_pending_order_payment",
            "modify_pending_order_items",
            "return_delivered_order_items",
            "exchange_delivered_order_items",
            "modify_user_address",
            "calculate",
            "think",
            "transfer_to_human_agents",
        ]
    )


async def test_retail_read_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list(
        "retail",
        tmp_path,
        only=(
            "find_user_id_by_email",
            "find_user_id_by_name_zip",
            "get_user_details",
            "get_order_details",
            "get_product_details",
            "list_all_product_types",
            "calculate",
            "think",
            "transfer_to_human_agents",
        ),
    ) == snapshot(
        [
            {
                "name": "find_user_id_by_email",
                "description": """\
Find a user's id from their email address; an unknown email is an error.

        Args:
            email: The user's email, such as 'something@example.com'.
        \
""",
                "inputSchema": {
                    "properties": {"email": {"maxLength": 254, "title": "Email", "type": "string"}},
                    "required": ["email"],
                    "type": "object",
                    "title": "find_user_id_by_emailArguments",
                },
                "outputSchema": {
                    "properties": {"result": {"title": "Result", "type": "string"}},
                    "required": ["result"],
                    "type": "object",
                    "title": "find_user_id_by_emailOutput",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "find_user_id_by_name_zip",
                "description": """\
Find a user's id from their first name, last name and zip code; use it when email does not work.

        Args:
            first_name: The first name, such as 'John'.
            last_name: The last name, such as 'Doe'.
            zip: The zip code, such as '12345'.
        \
""",
                "inputSchema": {
                    "properties": {
                        "first_name": {"maxLength": 80, "title": "First Name", "type": "string"},
                        "last_name": {"maxLength": 80, "title": "Last Name", "type": "string"},
                        "zip": {"maxLength": 20, "title": "Zip", "type": "string"},
                    },
                    "required": ["first_name", "last_name", "zip"],
                    "type": "object",
                    "title": "find_user_id_by_name_zipArguments",
                },
                "outputSchema": {
                    "properties": {"result": {"title": "Result", "type": "string"}},
                    "required": ["result"],
                    "type": "object",
                    "title": "find_user_id_by_name_zipOutput",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "get_user_details",
                "description": """\
Get a user's profile: name, default address, email, payment methods (with gift card balances), orders.

        Args:
            user_id: The user id, such as 'sara_doe_496'.
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
                        }
                    },
                    "required": ["user_id"],
                    "type": "object",
                    "title": "get_user_detailsArguments",
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
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "get_order_details",
                "description": """\
Get an order's status, items (with item and product ids), shipments and payment history.

        Args:
            order_id: The order id, such as '#W0000000' (with the '#').
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
                        }
                    },
                    "required": ["order_id"],
                    "type": "object",
                    "title": "get_order_detailsArguments",
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
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "get_product_details",
                "description": """\
Get a product type and every variant item: options, price and availability.

        Args:
            product_id: The product id, such as '6086499569' (not an item id).
        \
""",
                "inputSchema": {
                    "properties": {
                        "product_id": {
                            "description": "A product id such as '6086499569'.",
                            "maxLength": 32,
                            "title": "Product Id",
                            "type": "string",
                        }
                    },
                    "required": ["product_id"],
                    "type": "object",
                    "title": "get_product_detailsArguments",
                },
                "outputSchema": {
                    "properties": {
                        "name": {"title": "Name", "type": "string"},
                        "product_id": {"title": "Product Id", "type": "string"},
                        "variants": {
                            "additionalProperties": {"$ref": "#/$defs/Variant"},
                            "title": "Variants",
                            "type": "object",
                        },
                    },
                    "required": ["name", "product_id", "variants"],
                    "type": "object",
                    "$defs": {
                        "Variant": {
                            "description": "One item of a product: its options, price and availability.",
                            "properties": {
                                "item_id": {"title": "Item Id", "type": "string"},
                                "options": {
                                    "additionalProperties": {"type": "string"},
                                    "title": "Options",
                                    "type": "object",
                                },
                                "available": {"title": "Available", "type": "boolean"},
                                "price": {"title": "Price", "type": "number"},
                            },
                            "required": ["item_id", "options", "available", "price"],
                            "title": "Variant",
                            "type": "object",
                        }
                    },
                    "description": "A product type and all its variants, keyed by item id.",
                    "title": "Product",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "list_all_product_types",
                "description": "List the name and product id of every product type in the store (there are 50).",
                "inputSchema": {"properties": {}, "type": "object", "title": "list_all_product_typesArguments"},
                "outputSchema": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "title": "list_all_product_typesDictOutput",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "calculate",
                "description": """\
Calculate an arithmetic expression (numbers, + - * /, parentheses), rounded to 2 decimals.

        Args:
            expression: Such as '(54.04 + 41.64) * 2'.
        \
""",
                "inputSchema": {
                    "properties": {"expression": {"maxLength": 500, "title": "Expression", "type": "string"}},
                    "required": ["expression"],
                    "type": "object",
                    "title": "calculateArguments",
                },
                "outputSchema": {
                    "properties": {"result": {"title": "Result", "type": "string"}},
                    "required": ["result"],
                    "type": "object",
                    "title": "calculateOutput",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "think",
                "description": """\
Write down a thought (reasoning, a plan, notes to remember); it changes nothing and returns nothing.

        Args:
            thought: The thought.
        \
""",
                "inputSchema": {
                    "properties": {"thought": {"maxLength": 8000, "title": "Thought", "type": "string"}},
                    "required": ["thought"],
                    "type": "object",
                    "title": "thinkArguments",
                },
                "outputSchema": {
                    "properties": {"result": {"title": "Result", "type": "string"}},
                    "required": ["result"],
                    "type": "object",
                    "title": "thinkOutput",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "transfer_to_human_agents",
                "description": """\
Transfer the user to a human agent with a summary of the issue.

        Only when the user explicitly asks for a human, or the request cannot be handled with these tools.

        Args:
            summary: A summary of the user's issue.
        \
""",
                "inputSchema": {
                    "properties": {"summary": {"maxLength": 4000, "title": "Summary", "type": "string"}},
                    "required": ["summary"],
                    "type": "object",
                    "title": "transfer_to_human_agentsArguments",
                },
                "outputSchema": {
                    "properties": {"result": {"title": "Result", "type": "string"}},
                    "required": ["result"],
                    "type": "object",
                    "title": "transfer_to_human_agentsOutput",
                },
                "annotations": {"readOnlyHint": True, "openWorldHint": True},
            },
        ]
    )
