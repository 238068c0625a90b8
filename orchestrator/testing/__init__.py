"""Test doubles: a scripted model for the model seam (re-exported here) and a fake Messages API (`fake_api`)."""

from .scripted import ScriptedModel, Step, UnexpectedModelCall, text_reply, tool_use

__all__ = ["ScriptedModel", "Step", "UnexpectedModelCall", "text_reply", "tool_use"]
