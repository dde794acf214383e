"""Human hand-off: the `HandoffGate` decorator, farmer texts, outbox delivery and the web chat's message polling."""
