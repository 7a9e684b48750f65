"""The risk actor: the gate between the quoter's intents and execution (see docs/bus.md)."""
