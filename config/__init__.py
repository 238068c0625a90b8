"""Switchboard's shipped configuration, installed as the package `switchboard_config` (data only, no code)."""
