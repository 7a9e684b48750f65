"""The programs of DESIGN.md and who listens to whom: a contract users' tools rely on."""

from __future__ import annotations

VENUE = "venue"
ACTORS: tuple[str, ...] = ("marketdata", "quoter", "risk", "execution", "monitor")
PROGRAMS: tuple[str, ...] = (VENUE, *ACTORS)

# The publishers each actor subscribes to (whole streams: seq gaps are only exact that way).
LISTENS_TO: dict[str, tuple[str, ...]] = {
    "marketdata": (),
    "quoter": ("marketdata", "risk", "monitor"),
    "risk": ("quoter", "marketdata", "execution"),
    "execution": ("risk",),
    "monitor": ("execution", "marketdata", "risk"),
}

# The topic prefixes each actor acts on; everything else it receives only feeds seq tracking.
CONSUMES: dict[str, tuple[str, ...]] = {
    "marketdata": (),
    "quoter": ("md.", "risk.state", "monitor.mode", "monitor.stats", "hb."),
    "risk": ("quote.intent", "md.", "exec.fill", "exec.position", "hb."),
    "execution": ("risk.decision", "risk.state", "hb."),
    "monitor": ("exec.fill", "exec.position", "md.bbo.", "md.status", "risk.state", "hb."),
}
