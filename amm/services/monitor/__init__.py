"""The monitor actor: trade-based performance, alerts, mode recommendations and history."""
