"""Hyperliquid specifics; ``rules`` holds the exchange's order rules, fees and error texts."""
