"""A Messages API reply as the loop reads it: our own pydantic models, so the offline path never loads the SDK.

The field names and JSON shapes are the API's (`Message`, its `content` blocks, `usage`, `stop_details`).
`AnthropicModel` turns the SDK's reply into these with `from_api`; the offline model, the oracle and the scripted
test double build them directly. Blocks the loop does not interpret (thinking, server tools, ...) are kept as
`OtherBlock` with every field they came with, so they are sent back exactly as received.
"""

from typing import TYPE_CHECKING, Annotated, Literal, cast

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = [
    "CacheCreation",
    "ContentBlock",
    "Message",
    "OtherBlock",
    "StopDetails",
    "TextBlock",
    "ToolUseBlock",
    "Usage",
]


class _Wire(BaseModel):
    """Fields the API adds later (citations, service tier, ...) are kept, not dropped or refused."""

    model_config = ConfigDict(extra="allow")


class TextBlock(_Wire):
    """Text the model wrote."""

    type: Literal["text"] = "text"
    text: str


class ToolUseBlock(_Wire):
    """A tool call: its id (answered by a `tool_result`), the tool's name and the arguments."""

    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: dict[str, object]


class OtherBlock(_Wire):
    """Any other content block, carried through untouched."""

    type: str


def _kind(block: object) -> str:
    kind = cast(dict[str, object], block).get("type") if isinstance(block, dict) else getattr(block, "type", None)
    return kind if kind in ("text", "tool_use") else "other"


ContentBlock = Annotated[
    Annotated[TextBlock, Tag("text")] | Annotated[ToolUseBlock, Tag("tool_use")] | Annotated[OtherBlock, Tag("other")],
    Discriminator(_kind),
]


class CacheCreation(_Wire):
    """Cache writes split by lifetime (5 minutes or 1 hour)."""

    ephemeral_5m_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0


class Usage(_Wire):
    """Tokens billed for one call; the cache fields are None when the API omits them."""

    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None


class StopDetails(_Wire):
    """Why the model stopped, when the API says (today: a refusal's category and explanation)."""

    type: str
    category: str | None = None
    explanation: str | None = None


class Message(_Wire):
    """One reply of the Messages API."""

    id: str
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    model: str
    content: list[ContentBlock]
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: StopDetails | None = None
    usage: Usage

    @classmethod
    def from_api(cls, message: BaseModel) -> "Message":
        """Our copy of an SDK `Message` (any pydantic model of the API's shape), field for field."""
        return cls.model_validate(message.model_dump(mode="json", exclude_none=True))

    def to_param(self) -> "MessageParam":
        """This reply as the assistant turn of a later request: its blocks' JSON, fields the API left out omitted."""
        content = [block.model_dump(mode="json", exclude_none=True) for block in self.content]
        return cast("MessageParam", {"role": "assistant", "content": content})
