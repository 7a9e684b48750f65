"""`amm chaos`: break a private paper deployment on purpose and check what must still hold.

deployment.py  a private deployment (temp folder, free ports) under a real supervisord
probe.py       reads and controls it: venue, actors' reply ops, supervisord
run.py         what a scenario works with: its run (tally, checks) and patient waits
scenarios.py   the ways to break processes and the exchange (restart, kill, risk-down, ...)
bus_scenarios.py  the bus ones: rogue publishers and a slow subscriber, a market-data burst
garbage.py     the rogue publisher's bad messages (pure); rogue.py binds and sends them
tap.py         a recording tap and a slow subscriber on one publisher's stream
conflation.py  the quoter's lag behind the newest book during a burst (pure)
invariants.py  the checks over collected data (pure)
runner.py      one scenario from `amm up` to `amm down`, and its checks
report.py      the JSON report and the table (pure)
cli.py         the command
"""

SCENARIO_NAMES = (
    "restart",
    "kill",
    "risk-down",
    "execution-down",
    "exchange-faults",
    "bus-garbage",
    "burst",
)
