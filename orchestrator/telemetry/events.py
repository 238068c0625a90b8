"""Policy events (guardrail trips, escalations, closed conversations): defined with the other events."""

from ..events import ConversationClosed, Escalated, GuardrailTripped, Outcome, Priority

__all__ = ["ConversationClosed", "Escalated", "GuardrailTripped", "Outcome", "PolicyEvent", "Priority"]

PolicyEvent = GuardrailTripped | Escalated | ConversationClosed
