"""Settings: frozen pydantic models loaded once from `config/switchboard.toml` plus a few environment variables."""

import os
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self, cast

import limits
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from switchboard_common.database_url import default_database_url
from switchboard_common.shipped import shipped_path

from .errors import ConfigError

__all__ = [
    "ConversationConfig",
    "ModelConfig",
    "PolicyConfig",
    "Price",
    "ServerConfig",
    "Settings",
    "WebConfig",
    "default_config_path",
    "load_settings",
]

CONFIG_ENV = "SWITCHBOARD_CONFIG"
ServerName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Price(_Frozen):
    """USD per million tokens for one model."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float = Field(default=0.0, ge=0)
    cache_write: float = Field(default=0.0, ge=0)
    """Writing to the 5-minute cache (1.25x input on Claude)."""
    cache_write_1h: float | None = Field(default=None, ge=0)
    """Writing to the 1-hour cache (2x input on Claude); None means twice `input`."""
    min_cache_tokens: int = Field(default=1024, ge=1)
    """The model's minimum cacheable prefix: no breakpoint is placed on a shorter one (it would do nothing)."""


class ModelConfig(_Frozen):
    """Which Claude models to use and how."""

    main: str = "claude-sonnet-4-6"
    """The model that talks to the customer and calls tools."""
    fast: str = "claude-haiku-4-5"
    """The model for sentiment scoring and summaries."""
    max_tokens: int = Field(default=1024, ge=64, le=64000)
    max_tool_iterations: int = Field(default=8, ge=1, le=50)
    """Model calls allowed in one customer turn before the loop stops."""
    request_timeout_s: float = Field(default=60, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    retry_backoff_s: float = Field(default=0.5, ge=0, le=30)
    """First wait before retrying a stream that failed before any text reached the customer (doubles, capped 8 s)."""
    retry_max_tokens: int | None = Field(default=None, ge=64, le=64000)
    """The budget of the one retry after a reply cut inside a tool call (default: twice `max_tokens`)."""
    cache_ttl: Literal["5m", "1h"] = "5m"
    """Prompt-cache lifetime of the breakpoints; "1h" costs more to write (`cache_write_1h`) and survives pauses."""
    prices: dict[str, Price] = Field(default_factory=dict[str, Price])
    """Per-model price table for the usage ledger; models missing here cost 0 and are flagged."""


class ServerConfig(_Frozen):
    """One MCP server: a stdio command or a streamable-HTTP URL."""

    name: ServerName
    command: str | None = None
    """Executable for stdio; `{python}` means the interpreter running Switchboard."""
    args: list[str] = Field(default_factory=list[str])
    env: dict[str, str] = Field(default_factory=dict[str, str])
    pass_env: list[str] = Field(default_factory=list[str])
    """Variables copied from Switchboard's own environment into a stdio server's (none by default: a server
    sees only the SDK's basic variables such as PATH and HOME, plus `env`)."""
    cwd: str | None = None
    url: str | None = None
    token_env: str | None = None
    """Environment variable holding the bearer token for `url`."""
    enabled: bool = True
    connect_timeout_s: float = Field(default=20, gt=0)
    call_timeout_s: float = Field(default=30, gt=0)
    tool_timeouts_s: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict[str, float])
    """Per-tool call timeouts (`tool name -> seconds`) overriding `call_timeout_s`."""
    identity_tools: list[str] = Field(default_factory=list[str])
    """Tools of this server whose successful result verifies the customer (binds the conversation to the
    `customer_email` argument). Only first-party servers that check identity should list any."""
    receives_customer: bool = False
    """Send this server the verified customer: its email in each call's `_meta` (`switchboard/customer`), for
    first-party servers that scope their data to the customer. Off by default, so a third-party server gets no
    PII; a server with `identity_tools` receives it regardless (it answers for the customer it verified)."""
    ping_interval_s: float = Field(default=0.5, gt=0, le=60)
    """Seconds between heartbeat pings of a connected server."""
    ping_timeout_s: float = Field(default=1.5, gt=0, le=60)
    """A ping unanswered this long marks the server down (it is then reconnected)."""
    reconnect_wait_s: float = Field(default=5, ge=0, le=120)
    """How long a call to a server that is down waits for the background reconnect before failing."""
    reconnect_backoff_s: float = Field(default=0.25, gt=0)
    """First delay between reconnect attempts; it doubles after every failure up to `reconnect_backoff_max_s`."""
    reconnect_backoff_max_s: float = Field(default=30, gt=0)
    breaker_timeouts: int = Field(default=2, ge=1, le=2)
    """Consecutive call timeouts that open the circuit breaker (calls then fail fast)."""
    breaker_cooldown_s: float = Field(default=30, gt=0)
    """How long an open breaker fails calls fast before one probe call may close it."""
    trusted_tools: dict[str, str] = Field(default_factory=dict[str, str])
    """Pinned tool fingerprints (`tool name -> sha256`); a definition that differs is withheld."""
    hidden_tools: list[str] = Field(default_factory=list[str])
    """Tools of this server never offered to the model (e.g. human-agent console tools)."""
    deferred_tools: list[str] = Field(default_factory=list[str])
    """Rarely needed tools offered only after the model loads them with `load_tools` (keeps every call lean)."""
    fill: dict[str, Literal["conversation_id", "sentiment_trend", "customer_email"]] = Field(
        default_factory=dict[str, Literal["conversation_id", "sentiment_trend", "customer_email"]]
    )
    """Tool arguments the orchestrator sets itself (`argument = fact`), removed from the schemas the model sees."""

    @model_validator(mode="after")
    def _one_transport(self) -> Self:
        if (self.command is None) == (self.url is None):
            raise ValueError(f"server {self.name!r} needs exactly one of `command` (stdio) or `url` (HTTP)")
        if self.token_env and not self.url:
            raise ValueError(f"server {self.name!r}: `token_env` only applies to `url` servers")
        if self.reconnect_backoff_max_s < self.reconnect_backoff_s:
            raise ValueError(f"server {self.name!r}: reconnect_backoff_max_s is below reconnect_backoff_s")
        return self

    def timeout_for(self, tool: str) -> float:
        """The call timeout of one of this server's tools."""
        return self.tool_timeouts_s.get(tool, self.call_timeout_s)


class ConversationConfig(_Frozen):
    """Conversation memory budget."""

    max_turns: int = Field(default=20, ge=2)
    """Turns kept verbatim before older ones are condensed."""
    max_tokens: int = Field(default=8000, ge=500)
    """Estimated tokens of history kept verbatim before condensing."""
    keep_recent_turns: int = Field(default=6, ge=1)
    """Turns always kept verbatim after a condensation."""


class PolicyConfig(_Frozen):
    """Conversation policy knobs (guardrails, sentiment, escalation, KPIs)."""

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: Any) -> Any:  # the raw, untyped TOML table
        raw: object = data
        if isinstance(raw, dict) and "identity_tools" in cast(dict[str, object], raw):
            raise ValueError(
                "identity_tools moved to the server blocks: list them under the [[servers]] block of the server "
                'that verifies identity, e.g. identity_tools = ["verify_customer", "lookup_order"] for orders'
            )
        return data

    money_moving_tools: list[str] = Field(default_factory=lambda: ["process_refund"])
    escalation_tool: str = "escalate_to_human"
    sentiment_scorer: Literal["local", "claude"] = "local"
    """`local` (measured in docs/policy-benchmarks.md, free, < 1 ms) or `claude`: the fast model per message,
    forced to its strict `report_sentiment` tool (see docs/claude-path.md for the measurement behind the default)."""
    negative_score_threshold: float = Field(default=-0.5, ge=-1, le=0)
    sentiment_trend_threshold: float = Field(default=0.2, gt=0, le=2)
    """How far the mood must move over the last three messages (on the -1..1 score) to be `improving` or
    `deteriorating` rather than `stable`; the hand-offs, the `sentiment_trend` tool fill and the console all use it."""
    negative_streak: int = Field(default=3, ge=1)
    unresolved_exchanges_before_offer: int = Field(default=3, ge=1)
    abuse_warnings_before_escalation: int = Field(default=2, ge=0)
    reopen_window_hours: float = Field(default=72, gt=0)
    include_message_text_in_traces: bool = False
    pii_allowed_emails: list[str] = Field(default_factory=lambda: ["support@shopexpress.example"])
    """Company contacts the assistant may give out (never masked by the output check)."""
    pii_allowed_phones: list[str] = Field(default_factory=lambda: ["+1 800 555 0199"])
    kpi_salt: str = ""
    """Salt for the hashed customer keys in the KPI tables (set one per deployment)."""


def _rate_limit(value: str) -> str:
    try:
        limits.parse(value)
    except ValueError:
        raise ValueError(f"not a rate limit such as '20/minute' or '100 per hour': {value!r}") from None
    return value


RateLimit = Annotated[str, AfterValidator(_rate_limit)]


class RateLimits(_Frozen):
    """Request rate limits of `switchboard serve`, as `N/second|minute|hour|day` (moving windows, per process)."""

    conversations: RateLimit = "20/minute"
    """New conversations per client address."""
    messages: RateLimit = "15/minute"
    """Customer messages per conversation (each can cost a model call)."""
    agent_auth_failures: RateLimit = "10/minute"
    """Missing or wrong agent tokens per client address; past it, even the right token waits for the window."""


HostPattern = Annotated[str, Field(pattern=r"^(?:\*|(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?)$")]


class WebConfig(_Frozen):
    """`switchboard serve`: the web chat, human-agent console and dashboard."""

    agent_token_env: str = Field(default="SWITCHBOARD_AGENT_TOKEN", pattern=r"^[A-Z_][A-Z0-9_]*$")
    """Environment variable holding the agents' bearer token; without a token the console is off."""
    allowed_origins: list[str] = Field(default_factory=list[str])
    """Origins allowed to call the API from other sites (CORS stays closed when empty)."""
    max_body_bytes: int = Field(default=16384, ge=1024, le=1_048_576)
    public_metrics: bool = False
    """Serve `/metrics` without the agent token (only on a private network)."""
    keepalive_s: float = Field(default=15, gt=0, le=300)
    """Seconds between keepalive comments on open event streams (each one also re-reads missed events)."""
    rate_limits: RateLimits = RateLimits()
    allowed_hosts: list[HostPattern] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"])
    """`Host` headers served (a name on any port, `name:port`, or `*` for any); others get 421. Add the public
    name when serving behind a proxy or on another address."""
    approvals_sync_s: float = Field(default=30, gt=0, le=3600)
    """How often the console catches up on refund decisions taken in other MCP clients, to tell the customer."""
    turn_heartbeat_s: float = Field(default=5, gt=0, le=60)
    """How often each serve process records that it is alive (its turns stay its own while it does)."""
    turn_takeover_s: float = Field(default=20, gt=0, le=300)
    """A process silent this long is presumed dead: another process may take over its conversations' turns."""

    @model_validator(mode="after")
    def _takeover_outlasts_heartbeats(self) -> Self:
        if self.turn_takeover_s < 2 * self.turn_heartbeat_s:
            raise ValueError("web.turn_takeover_s must be at least twice web.turn_heartbeat_s")
        return self


class Settings(_Frozen):
    """Everything Switchboard needs, loaded once at the edge and passed down."""

    config_path: Path
    servers: list[ServerConfig]
    model: ModelConfig = ModelConfig()
    conversation: ConversationConfig = ConversationConfig()
    policy: PolicyConfig = PolicyConfig()
    web: WebConfig = WebConfig()
    system_prompt: str
    database_url: str
    api_key: SecretStr | None = None
    base_url: str | None = None
    agent_token: SecretStr | None = None
    """The human agents' bearer token for the console, dashboard and metrics (from `web.agent_token_env`)."""
    offline: bool = False
    """Use the offline rule-based model even when a key is present."""

    @model_validator(mode="after")
    def _unique_servers(self) -> Self:
        names = [s.name for s in self.servers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"server names must be unique; repeated: {', '.join(duplicates)}")
        return self

    @property
    def enabled_servers(self) -> list[ServerConfig]:
        """The servers to connect."""
        return [s for s in self.servers if s.enabled]

    @property
    def uses_claude(self) -> bool:
        """Whether turns go to Claude (a key is set and offline mode was not forced)."""
        return self.api_key is not None and not self.offline


def default_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`$SWITCHBOARD_CONFIG`, else the shipped `switchboard.toml` (`config/` of a checkout, or package data)."""
    if path := environ.get(CONFIG_ENV):
        return Path(path)
    return shipped_path("switchboard.toml")


def load_settings(
    path: Path | None = None, environ: Mapping[str, str] = os.environ, *, offline: bool = False
) -> Settings:
    """Read the TOML config at `path` (default: `default_config_path`) and the environment.

    Environment: `ANTHROPIC_API_KEY` (selects Claude), `ANTHROPIC_BASE_URL`, `SWITCHBOARD_DATABASE_URL`, and the
    agent token variable named by `web.agent_token_env` (default `SWITCHBOARD_AGENT_TOKEN`).

    Raises:
        ConfigError: the file is missing or invalid; the message names the offending key.
    """
    path = path or default_config_path(environ)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    prompt_file = raw.pop("system_prompt_file", "prompts/system.md")
    prompt_path = (path.parent / prompt_file).resolve()
    try:
        system_prompt = prompt_path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: system_prompt_file {prompt_file!r} not found at {prompt_path}") from exc
    servers: list[Any] = raw.get("servers", [])
    for server in servers:
        if not isinstance(server, dict):
            continue
        entry = cast(dict[str, Any], server)
        if entry.get("command") == "{python}":
            entry["command"] = sys.executable
        if isinstance(cwd := entry.get("cwd"), str):
            entry["cwd"] = str((path.parent / cwd).resolve())
    key = environ.get("ANTHROPIC_API_KEY") or None
    web: object = raw.get("web", {})
    token_env = (
        cast(dict[str, Any], web).get("agent_token_env", "SWITCHBOARD_AGENT_TOKEN") if isinstance(web, dict) else None
    )
    agent_token = environ.get(token_env) if isinstance(token_env, str) else None
    try:
        return Settings(
            config_path=path,
            system_prompt=system_prompt,
            database_url=default_database_url(environ),
            api_key=SecretStr(key) if key else None,
            base_url=environ.get("ANTHROPIC_BASE_URL") or None,
            agent_token=SecretStr(agent_token) if agent_token else None,
            offline=offline,
            **raw,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc


ServerTransport = Literal["stdio", "http"]
