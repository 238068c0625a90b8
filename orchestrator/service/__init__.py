"""Service layer: the `Orchestrator` (lifecycle, the turn pipeline), its wiring, replies, turn storage, condensation."""

from .orchestrator import Orchestrator
from .replies import MAX_MESSAGE_CHARS, Reply
from .turns import TurnStart
from .wiring import PolicyStack, build_model, standard_stack

__all__ = ["MAX_MESSAGE_CHARS", "Orchestrator", "PolicyStack", "Reply", "TurnStart", "build_model", "standard_stack"]
