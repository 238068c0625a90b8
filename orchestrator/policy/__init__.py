"""Central conversation policies: guardrails, sentiment-driven escalation and support KPIs."""
