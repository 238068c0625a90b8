"""The Messages API's request rules: what `POST /v1/messages` refuses with a 400 (histories, tools, cache markers).

The fake Messages API applies them to every request, so a test cannot pass on a request Claude would refuse,
and the orchestrator checks each turn's history against them before storing it. The checks are on the strict
side where the API's behaviour is version-dependent (roles must alternate, for example).
"""

import re
from collections.abc import Sequence
from typing import cast

__all__ = ["STRICT_LIMITS", "InvalidRequest", "check_strict_schema", "validate_request"]

JSONObject = dict[str, object]

_TOP_LEVEL = frozenset(
    {
        "model",
        "max_tokens",
        "messages",
        "system",
        "tools",
        "tool_choice",
        "stream",
        "metadata",
        "stop_sequences",
        "thinking",
        "cache_control",
        "service_tier",
        "output_config",
    }
)
"""Top-level fields the fake accepts; anything else is 'Extra inputs are not permitted' (e.g. `temperature`,
which API version 2026-10-21 no longer takes)."""
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TOOL_USE_ID = re.compile(r"^[a-zA-Z0-9_-]+$")
_TOOL_KEYS = frozenset({"name", "description", "input_schema", "cache_control", "strict", "type", "input_examples"})
_USER_BLOCKS = frozenset({"text", "image", "document", "tool_result", "search_result"})
_ASSISTANT_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})
_TTLS = {"5m": 300, "1h": 3600}
MAX_BREAKPOINTS = 4

STRICT_LIMITS = {"strict_tools": 20, "optional_parameters": 24, "union_parameters": 16}
"""Structured-output complexity limits per request (Anthropic's strict tool use documentation)."""
_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "description",
        "title",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "allOf",
        "format",
        "pattern",
        "minItems",
        "$ref",
        "$defs",
        "definitions",
        "default",
    }
)
_STRICT_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)
_UNSUPPORTED_REGEX = re.compile(r"\(\?[=!<]|\\[1-9]")
"""Lookaround and backreferences: not supported in strict-mode patterns."""


class InvalidRequest(ValueError):
    """The request breaks an API rule; the message is what the API's `invalid_request_error` says."""


def _fail(message: str) -> None:
    raise InvalidRequest(message)


def _blocks(content: object, where: str) -> list[JSONObject]:
    if isinstance(content, str):
        if content.strip():
            return [{"type": "text", "text": content}]
        if where:
            _fail(f"{where}: text content blocks must contain non-whitespace text")
        return []
    if not isinstance(content, list):
        _fail(f"{where}.content: Input should be a valid list or string")
    blocks: list[JSONObject] = []
    for index, item in enumerate(cast(list[object], content)):
        if not isinstance(item, dict):
            _fail(f"{where}.content.{index}: Input should be an object")
        blocks.append(cast(JSONObject, item))
    return blocks


def _check_cache_control(block: JSONObject, where: str, ttls: list[tuple[str, int]]) -> None:
    marker = block.get("cache_control")
    if marker is None:
        return
    if not isinstance(marker, dict):
        _fail(f"{where}.cache_control: Input should be an object")
    control = cast(JSONObject, marker)
    if control.get("type") != "ephemeral" or set(control) - {"type", "ttl"}:
        _fail(f"{where}.cache_control: only {{'type': 'ephemeral', 'ttl'?: '5m' | '1h'}} is accepted")
    ttl = control.get("ttl", "5m")
    if ttl not in _TTLS:
        _fail(f"{where}.cache_control.ttl: Input should be '5m' or '1h'")
    ttls.append((where, _TTLS[str(ttl)]))


def _check_message_blocks(role: str, blocks: list[JSONObject], where: str, ttls: list[tuple[str, int]]) -> None:
    allowed = _USER_BLOCKS if role == "user" else _ASSISTANT_BLOCKS
    for index, block in enumerate(blocks):
        here = f"{where}.content.{index}"
        kind = block.get("type")
        if kind not in allowed:
            _fail(f"{here}: a {role} message cannot contain a {kind!r} block")
        if kind == "text":
            text = block.get("text")
            if not isinstance(text, str) or not text.strip():
                _fail(f"{here}: text content blocks must contain non-whitespace text")
        elif kind == "tool_use":
            if not isinstance(block.get("id"), str) or not _TOOL_USE_ID.match(str(block.get("id"))):
                _fail(f"{here}.id: String should match pattern '^[a-zA-Z0-9_-]+$'")
            if not isinstance(block.get("name"), str) or not isinstance(block.get("input"), dict):
                _fail(f"{here}: a tool_use block needs a string `name` and an object `input`")
        elif kind == "tool_result":
            if not isinstance(block.get("tool_use_id"), str):
                _fail(f"{here}.tool_use_id: Field required")
            _check_tool_result_content(block.get("content"), here)
        _check_cache_control(block, here, ttls)


def _check_tool_result_content(content: object, where: str) -> None:
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        _fail(f"{where}.content: Input should be a valid list or string")
    for index, item in enumerate(cast(list[object], content)):
        if not isinstance(item, dict) or cast(JSONObject, item).get("type") not in {"text", "image", "document"}:
            _fail(f"{where}.content.{index}: tool_result content must be text, image or document blocks")
        inner = cast(JSONObject, item)
        if inner.get("type") == "text" and not str(inner.get("text", "")).strip():
            _fail(f"{where}.content.{index}: text content blocks must contain non-whitespace text")


def _check_tool_pairing(messages: list[tuple[str, list[JSONObject]]]) -> None:
    seen_ids: set[str] = set()
    for index, (role, blocks) in enumerate(messages):
        if role != "assistant":
            continue
        uses = [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"]
        for use_id in uses:
            if use_id in seen_ids:
                _fail(f"messages.{index}: `tool_use` ids must be unique; {use_id} appears more than once")
            seen_ids.add(use_id)
        following = messages[index + 1][1] if index + 1 < len(messages) else []
        results = [b for b in following if b.get("type") == "tool_result"]
        answered = [str(b.get("tool_use_id")) for b in results]
        if missing := [u for u in uses if u not in answered]:
            _fail(
                f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in "
                "the next message."
            )
        if uses and following[: len(results)] != results:
            _fail(f"messages.{index + 1}: `tool_result` blocks must come before any other content in the message")
    for index, (role, blocks) in enumerate(messages):
        if role != "user":
            continue
        previous = messages[index - 1][1] if index > 0 else []
        expected = {str(b.get("id")) for b in previous if b.get("type") == "tool_use"}
        answered = [str(b.get("tool_use_id")) for b in blocks if b.get("type") == "tool_result"]
        if unexpected := [a for a in answered if a not in expected]:
            _fail(
                f"messages.{index}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                f"{', '.join(unexpected)}. Each `tool_result` block must have a corresponding `tool_use` block in "
                "the previous message."
            )
        if len(set(answered)) != len(answered):
            _fail(f"messages.{index}.content: each `tool_use` may have only one `tool_result`")


def _check_messages(raw: object, ttls: list[tuple[str, int]]) -> None:
    if not isinstance(raw, list) or not raw:
        _fail("messages: at least one message is required")
    parsed: list[tuple[str, list[JSONObject]]] = []
    items = cast(list[object], raw)
    for index, item in enumerate(items):
        where = f"messages.{index}"
        if not isinstance(item, dict):
            _fail(f"{where}: Input should be an object")
        message = cast(JSONObject, item)
        role = message.get("role")
        if role not in ("user", "assistant"):
            _fail(f"{where}.role: Input should be 'user' or 'assistant'")
        if set(message) - {"role", "content"}:
            _fail(f"{where}: Extra inputs are not permitted")
        last = index == len(items) - 1
        content = message.get("content")
        if content == [] and not (last and role == "assistant"):
            _fail(f"{where}: all messages must have non-empty content except for the optional final assistant message")
        blocks = _blocks(content, "" if (last and role == "assistant") else where)
        _check_message_blocks(str(role), blocks, where, ttls)
        parsed.append((str(role), blocks))
    if parsed[0][0] != "user":
        _fail("messages.0.role: the first message must use the `user` role")
    for index in range(1, len(parsed)):
        if parsed[index][0] == parsed[index - 1][0]:
            _fail(f"messages.{index}.role: roles must alternate between `user` and `assistant`")
    final_role, final_blocks = parsed[-1]
    if final_role == "assistant" and final_blocks:
        tail = final_blocks[-1]
        if tail.get("type") == "text" and str(tail.get("text", "")) != str(tail.get("text", "")).rstrip():
            _fail("final assistant content cannot end with trailing whitespace")
    _check_tool_pairing(parsed)


def _check_system(raw: object, ttls: list[tuple[str, int]]) -> None:
    if raw is None or isinstance(raw, str):
        return
    if not isinstance(raw, list):
        _fail("system: Input should be a valid list or string")
    for index, item in enumerate(cast(list[object], raw)):
        where = f"system.{index}"
        if not isinstance(item, dict) or cast(JSONObject, item).get("type") != "text":
            _fail(f"{where}: system blocks must be text blocks")
        block = cast(JSONObject, item)
        if not str(block.get("text", "")).strip():
            _fail(f"{where}: text content blocks must contain non-whitespace text")
        _check_cache_control(block, where, ttls)


def _check_tools(raw: object, ttls: list[tuple[str, int]]) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        _fail("tools: Input should be a valid list")
    names: list[str] = []
    strict_schemas: list[JSONObject] = []
    for index, item in enumerate(cast(list[object], raw)):
        where = f"tools.{index}"
        if not isinstance(item, dict):
            _fail(f"{where}: Input should be an object")
        tool = cast(JSONObject, item)
        if extra := sorted(set(tool) - _TOOL_KEYS):
            _fail(f"{where}.{extra[0]}: Extra inputs are not permitted")
        name = tool.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            _fail(f"{where}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
        if name in names:
            _fail(f"tools: Tool names must be unique; {name!r} is repeated")
        names.append(str(name))
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or cast(JSONObject, schema).get("type") != "object":
            _fail(f"{where}.input_schema.type: Input should be 'object'")
        if tool.get("strict") is True:
            check_strict_schema(cast(JSONObject, schema), f"{where}.input_schema")
            strict_schemas.append(cast(JSONObject, schema))
        _check_cache_control(tool, where, ttls)
    _check_strict_limits(strict_schemas)
    return names


def check_strict_schema(schema: JSONObject, where: str) -> None:
    """Raise `InvalidRequest` unless strict tool use accepts `schema` (it compiles a subset of JSON Schema).

    Args:
        schema: A tool's `input_schema` (or a sub-schema).
        where: The path named in the error message.

    Raises:
        InvalidRequest: the first unsupported construct.
    """
    if unsupported := sorted(set(schema) - _STRICT_KEYWORDS):
        _fail(f"{where}: strict mode does not support the keyword {unsupported[0]!r}")
    if (schema.get("type") == "object" or "properties" in schema) and schema.get("additionalProperties") is not False:
        _fail(f"{where}: strict mode requires 'additionalProperties': false on every object")
    if schema.get("minItems", 0) not in (0, 1):
        _fail(f"{where}.minItems: strict mode supports only 0 or 1")
    if "format" in schema and schema["format"] not in _STRICT_FORMATS:
        _fail(f"{where}.format: strict mode does not support the format {schema['format']!r}")
    if isinstance(pattern := schema.get("pattern"), str) and _UNSUPPORTED_REGEX.search(pattern):
        _fail(f"{where}.pattern: lookaround and backreferences are not supported in strict mode")
    for path, sub in _subschemas(schema, where):
        check_strict_schema(sub, path)


def _subschemas(schema: JSONObject, where: str) -> list[tuple[str, JSONObject]]:
    found: list[tuple[str, object]] = [
        (f"{where}.properties.{key}", sub)
        for key, sub in cast(dict[str, object], schema.get("properties") or {}).items()
    ]
    found.append((f"{where}.items", schema.get("items")))
    for key in ("anyOf", "allOf"):
        found += [(f"{where}.{key}.{i}", sub) for i, sub in enumerate(cast(list[object], schema.get(key) or []))]
    for key in ("$defs", "definitions"):
        found += [(f"{where}.{key}.{n}", sub) for n, sub in cast(dict[str, object], schema.get(key) or {}).items()]
    return [(path, cast(JSONObject, sub)) for path, sub in found if isinstance(sub, dict)]


def _check_strict_limits(schemas: Sequence[JSONObject]) -> None:
    if len(schemas) > STRICT_LIMITS["strict_tools"]:
        _fail(f"tools: at most {STRICT_LIMITS['strict_tools']} strict tools are allowed per request")
    optional = unions = 0
    for schema in schemas:
        properties = cast(dict[str, object], schema.get("properties") or {})
        required = set(cast(list[str], schema.get("required") or []))
        optional += len(set(properties) - required)
        unions += sum(
            1
            for sub in properties.values()
            if isinstance(sub, dict) and ("anyOf" in sub or isinstance(cast(JSONObject, sub).get("type"), list))
        )
    if optional > STRICT_LIMITS["optional_parameters"]:
        _fail(f"tools: strict schemas may have at most {STRICT_LIMITS['optional_parameters']} optional parameters")
    if unions > STRICT_LIMITS["union_parameters"]:
        _fail(f"tools: strict schemas may have at most {STRICT_LIMITS['union_parameters']} union-typed parameters")


def _check_tool_choice(raw: object, names: list[str]) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        _fail("tool_choice: Input should be an object")
    choice = cast(JSONObject, raw)
    kind = choice.get("type")
    if kind not in ("auto", "any", "tool", "none"):
        _fail("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if kind in ("any", "tool") and not names:
        _fail(f"tool_choice: type {kind!r} needs at least one tool")
    if kind == "tool" and choice.get("name") not in names:
        _fail(f"tool_choice.name: no tool named {choice.get('name')!r} was given")


def _check_ttl_order(ttls: list[tuple[str, int]]) -> None:
    if len(ttls) > MAX_BREAKPOINTS:
        _fail(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {len(ttls)}.")
    for (where, ttl), (_, earlier) in zip(ttls[1:], ttls, strict=False):
        if ttl > earlier:
            _fail(f"{where}.cache_control: a 1h cache breakpoint cannot come after a 5m one")


def validate_request(body: JSONObject) -> None:
    """Raise `InvalidRequest` for anything the real Messages API answers with 400.

    Args:
        body: The JSON body of `POST /v1/messages`.

    Raises:
        InvalidRequest: the first rule the request breaks, worded like the API's message.
    """
    if extra := sorted(set(body) - _TOP_LEVEL):
        _fail(f"{extra[0]}: Extra inputs are not permitted")
    if not isinstance(body.get("model"), str) or not body.get("model"):
        _fail("model: Field required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        _fail("max_tokens: Input should be a positive integer")
    ttls: list[tuple[str, int]] = []  # in prefix order: tools, system, messages
    names = _check_tools(body.get("tools"), ttls)
    _check_system(body.get("system"), ttls)
    _check_messages(body.get("messages"), ttls)
    _check_tool_choice(body.get("tool_choice"), names)
    if body.get("cache_control") is not None:
        _check_cache_control(body, "cache_control", ttls)
    _check_ttl_order(ttls)
