"""Offline experiments with the quoting models: simulations a person runs, not the live system."""
