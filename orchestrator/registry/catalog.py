"""The customer-facing tool catalog: compact definitions, `strict` where the API accepts it, context filled in.

Servers describe their tools for every MCP client (docstrings with an `Args:` section, pydantic schemas with
titles, defaults and length limits). Sent to Claude on every call, that costs tokens and says things twice. Here
each definition is rewritten once per catalog version:

- the description is dedented and its `Args:` section moves into the properties, so each argument is described
  in one place;
- `title` keys, `default: null` and `anyOf [X, null]` wrappers go (an optional argument is simply not required);
- constraints strict mode cannot enforce (lengths, numeric bounds) are dropped from the offered schema: the server
  still validates them and answers a clear error the model can act on;
- arguments the orchestrator knows better than the model (the conversation id, the sentiment trend, the verified
  customer) are removed from the schema and filled at call time, per server (`ServerConfig.fill`);
- `strict: true` is set on every tool whose rewritten schema the API's strict mode accepts, within the
  per-request limits (`api_rules.STRICT_LIMITS`).
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from ..llm.api_rules import STRICT_LIMITS, InvalidRequest, check_strict_schema

if TYPE_CHECKING:
    from anthropic.types import ToolParam

__all__ = ["compact_tool", "offered_tools", "strip_filled"]

_SECTION = re.compile(r"^(Args|Arguments|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG = re.compile(r"^(\*{0,2}\w+)(?:\s*\([^)]*\))?:\s*(.*)$")
_DROPPED = frozenset(
    {
        "title",
        "maxLength",
        "minLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "maxItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
    }
)
"""Keywords left out of the offered schema (the server enforces them)."""
_FREE_FORM = frozenset({"patternProperties", "propertyNames", "dependentSchemas", "not", "if", "then", "else"})


def _split_docstring(text: str) -> tuple[str, dict[str, str], str]:
    """(summary without sections, argument texts, other sections kept as they are)."""
    lines = inspect.cleandoc(text).splitlines()
    summary: list[str] = []
    kept: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line.strip()) if not line.startswith(" ") else None
        if header:
            section, current = header.group(1), None
            if section not in ("Args", "Arguments"):
                kept.append(line)
            continue
        if section in ("Args", "Arguments"):
            stripped = line.strip()
            match = _ARG.match(stripped) if line.startswith("    ") and not line.startswith("     ") else None
            if match:
                name = match.group(1).lstrip("*")
                args[name] = match.group(2).strip()
                current = name
            elif current and stripped:
                args[current] = f"{args[current]} {stripped}"
        elif section is None:
            summary.append(line)
        else:
            kept.append(line)
    return _unwrap("\n".join(summary)), args, "\n".join(kept).strip()


def _unwrap(text: str) -> str:
    """Paragraphs on one line each: the docstring's line wrapping means nothing to the model."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _compact_schema(schema: Any) -> Any:
    """The schema without titles, null defaults, `anyOf [X, null]` wrappers or server-side-only bounds."""
    if isinstance(schema, list):
        return [_compact_schema(s) for s in cast(list[Any], schema)]
    if not isinstance(schema, dict):
        return schema
    node = cast(dict[str, Any], schema)
    variants = node.get("anyOf")
    if isinstance(variants, list):
        options = [v for v in cast(list[Any], variants) if v != {"type": "null"}]
        if len(options) == 1 and isinstance(options[0], dict) and node.get("default", None) is None:
            merged = {**cast(dict[str, Any], options[0]), **{k: v for k, v in node.items() if k != "anyOf"}}
            node = merged
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or (key == "default" and value is None):
            continue
        if key == "type" and isinstance(node.get("enum"), list):
            continue  # the enum's values already say it (as the SDK's own schema transform does)
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _compact_schema(sub) for name, sub in cast(dict[str, Any], value).items()}
        else:
            out[key] = _compact_schema(value)
    return out


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The sub-schemas of a schema node (property values, items, union members, definitions)."""
    found: list[object] = list(cast(dict[str, Any], node.get("properties") or {}).values())
    found.append(node.get("items"))
    for key in ("anyOf", "allOf"):
        found += cast(list[object], node.get(key) or [])
    for key in ("$defs", "definitions"):
        found += list(cast(dict[str, Any], node.get(key) or {}).values())
    return [cast(dict[str, Any], f) for f in found if isinstance(f, dict)]


def _strictable(schema: dict[str, Any]) -> dict[str, Any] | None:
    """A copy with `additionalProperties: false` on every object, or None when strict mode cannot express it."""
    result = copy.deepcopy(schema)
    pending: list[dict[str, Any]] = [result]
    while pending:
        node = pending.pop()
        if _FREE_FORM & set(node) or isinstance(node.get("additionalProperties"), dict):
            return None  # a free-form map: strict mode would forbid every key
        if node.get("type") == "object" or "properties" in node:
            if not node.get("properties"):
                return None
            node["additionalProperties"] = False
        pending += _children(node)
    try:
        check_strict_schema(result, "input_schema")
    except InvalidRequest:
        return None
    return result


def strip_filled(schema: Mapping[str, Any], filled: Sequence[str]) -> dict[str, Any]:
    """The schema without the arguments the orchestrator fills in."""
    out = dict(schema)
    properties = {k: v for k, v in cast(dict[str, Any], schema.get("properties") or {}).items() if k not in filled}
    out["properties"] = properties
    if "required" in schema:
        out["required"] = [r for r in cast(list[str], schema["required"]) if r not in filled]
    return out


def compact_tool(tool: ToolParam, *, filled: Sequence[str] = ()) -> ToolParam:
    """One tool definition rewritten as described in the module docstring (`strict` not decided here)."""
    summary, arg_texts, rest = _split_docstring(str(tool.get("description") or ""))
    schema = cast(dict[str, Any], _compact_schema(strip_filled(cast(Mapping[str, Any], tool["input_schema"]), filled)))
    properties = cast(dict[str, Any], schema.get("properties") or {})
    for name, text in arg_texts.items():
        if name in properties and isinstance(properties[name], dict):
            properties[name] = {**cast(dict[str, Any], properties[name]), "description": text}
    description = f"{summary}\n\n{rest}".strip() if rest else summary
    compact: ToolParam = {"name": tool["name"], "input_schema": schema}
    if description:
        compact["description"] = description
    return compact


def _optional_and_unions(schema: Mapping[str, Any]) -> tuple[int, int]:
    properties = cast(dict[str, Any], schema.get("properties") or {})
    required = set(cast(list[str], schema.get("required") or []))
    nodes = [cast(dict[str, Any], p) for p in properties.values() if isinstance(p, dict)]
    unions = sum(1 for p in nodes if "anyOf" in p or isinstance(p.get("type"), list))
    return len(set(properties) - required), unions


def offered_tools(tools: Sequence[ToolParam], *, filled: Mapping[str, Sequence[str]] | None = None) -> list[ToolParam]:
    """The catalog as sent to the model: every tool compacted, strict where accepted and within the limits.

    Args:
        tools: The registry's definitions, in order.
        filled: Tool name -> arguments the orchestrator fills in (removed from the schema).

    Returns:
        New definitions (the inputs are not modified).
    """
    offered: list[ToolParam] = []
    strict_count = optional_total = union_total = 0
    for tool in tools:
        compact = compact_tool(tool, filled=(filled or {}).get(tool["name"], ()))
        strict_schema = _strictable(cast(dict[str, Any], compact["input_schema"]))
        if strict_schema is not None:
            optional, unions = _optional_and_unions(strict_schema)
            fits = (
                strict_count < STRICT_LIMITS["strict_tools"]
                and optional_total + optional <= STRICT_LIMITS["optional_parameters"]
                and union_total + unions <= STRICT_LIMITS["union_parameters"]
            )
            if fits:
                compact = cast("ToolParam", {**compact, "input_schema": strict_schema, "strict": True})
                strict_count, optional_total, union_total = (
                    strict_count + 1,
                    optional_total + optional,
                    union_total + unions,
                )
        offered.append(compact)
    return offered
