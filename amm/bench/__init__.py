"""`amm bench`: how fast AMM-500 is, measured on this machine, with the conditions it ran under.

One module per benchmark (``latency``, ``bus``, ``sign``, ``backtest``, ``session`` for memory
and actions), the helpers they share (``stats``, ``conditions``, ``report``, ``deployment``) and
the pure analysis (``matching``, ``profile``). ``cli`` runs them; see docs/performance.md.
"""
