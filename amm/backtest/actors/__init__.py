"""The actors' message handling around their pure cores, with simulated time passed in.

Each shell does what its actor's ``service.py`` does with a message (which core method it calls,
which markets it re-runs, what it publishes), so the backtester drives the same cores the same
way; the sockets, timers and exchange I/O are the backtester's.
"""
