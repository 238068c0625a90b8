"""Builders shared by the orchestrator tests: settings without a config file, and the five real servers in memory."""

import argparse
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from mcp.server import MCPServer

from mcp_servers._common.runner import parse_args
from orchestrator.registry.registry import TargetFactory
from orchestrator.settings import ConversationConfig, ModelConfig, PolicyConfig, ServerConfig, Settings
from switchboard_common.storage import Database

SERVERS = ("orders", "tickets", "faq", "refunds", "escalation")
ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PROMPT = (ROOT / "config" / "prompts" / "system.md").read_text()


def settings_for(
    tmp_path: Path,
    servers: Sequence[ServerConfig],
    *,
    model: ModelConfig | None = None,
    conversation: ConversationConfig | None = None,
    policy: PolicyConfig | None = None,
) -> Settings:
    return Settings(
        config_path=tmp_path / "switchboard.toml",
        servers=list(servers),
        model=model or ModelConfig(),
        conversation=conversation or ConversationConfig(),
        policy=policy or PolicyConfig(),
        system_prompt=SYSTEM_PROMPT,
        database_url=f"sqlite:///{tmp_path / 'orchestrator.db'}",
    )


FIRST_PARTY_IDENTITY_TOOLS = {"orders": ["verify_customer", "lookup_order"]}
"""As in config/switchboard.toml: only the orders server verifies identity."""
RECEIVES_CUSTOMER = {"tickets", "refunds", "escalation"}
"""As in config/switchboard.toml: the other first-party servers that are sent the verified customer."""


def in_memory(name: str, **kwargs: object) -> ServerConfig:
    """A config block whose target the test supplies (the command is never run); as shipped for our servers."""
    kwargs.setdefault("identity_tools", FIRST_PARTY_IDENTITY_TOOLS.get(name, []))
    kwargs.setdefault("receives_customer", name in RECEIVES_CUSTOMER)
    return ServerConfig(name=name, command="unused-in-memory", **kwargs)  # pyright: ignore[reportArgumentType]


def real_server_factory(name: str, db_url: str, argv: Sequence[str] = ()) -> Callable[[], MCPServer]:
    """Build one of our servers on `db_url` through its own `__main__.build` (migrated, and seeded with the demo)."""
    main = importlib.import_module(f"mcp_servers.{name}.__main__")
    args: argparse.Namespace = parse_args(name, ["--demo", *argv], {}, getattr(main, "add_arguments", None))
    db = Database(db_url)
    server: MCPServer = main.build(db, args)
    return lambda: server


def real_targets(tmp_path: Path, names: Sequence[str] = SERVERS) -> dict[str, TargetFactory]:
    url = f"sqlite:///{tmp_path / 'servers.db'}"
    return {name: real_server_factory(name, url) for name in names}
