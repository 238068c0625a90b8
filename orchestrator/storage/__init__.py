"""Storage layer: the conversation store and the token ledger."""
