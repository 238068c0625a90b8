"""Package list for setuptools (everything else is in pyproject.toml).

`config/` ships as the package `switchboard_config` so that an installed Switchboard finds its default
configuration, system prompt and knowledge base through `importlib.resources`, without a git checkout.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["mcp_servers*", "orchestrator*", "switchboard_common*"]), "switchboard_config"],
    package_dir={"switchboard_config": "config"},
)
