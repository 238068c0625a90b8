"""Service layer: the `Orchestrator` (lifecycle and the turn pipeline), its wiring, replies and condensation."""

from .orchestrator import Orchestrator, TurnStart
from .replies import MAX_MESSAGE_CHARS, Reply
from .wiring import PolicyStack, build_model, standard_stack

__all__ = ["MAX_MESSAGE_CHARS", "Orchestrator", "PolicyStack", "Reply", "TurnStart", "build_model", "standard_stack"]
