"""A stand-in for the risk actor: publishes hand-written approved ladders on risk's endpoint.

Tests (and a person, by hand) drive execution with it before the real risk actor exists.
"""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal

import zmq

from amm.common.bus import Publisher
from amm.common.config import Config
from amm.common.messages import Heartbeat, QuoteLevel, RiskDecision, RiskState


class FakeRisk:
    """Level-triggered like risk: the current ladder, state and heartbeat, every `period_s`."""

    def __init__(self, config: Config, coin: str, period_s: float = 0.2) -> None:
        self.config = config
        self.coin = coin
        self.period_s = period_s
        self.ctx = zmq.Context()
        self.publisher = Publisher(self.ctx, "risk", config.bus.risk, config.transport)
        self.bids: list[QuoteLevel] = []
        self.asks: list[QuoteLevel] = []
        self.verdict = "approve"
        self.state = "ACTIVE"
        self.heartbeats = True
        self.decisions = True
        self.decision_id = 0
        self._thread: threading.Thread | None = None

    def quote(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        self.bids = [QuoteLevel(Decimal(px), Decimal(sz)) for px, sz in bids]
        self.asks = [QuoteLevel(Decimal(px), Decimal(sz)) for px, sz in asks]
        self.decision_id += 1

    def publish_once(self) -> None:
        """One round of what risk re-publishes on its timer."""
        now = time.time_ns()
        if self.heartbeats:
            self.publisher.publish(
                "hb.risk",
                Heartbeat(
                    program="risk",
                    pid=os.getpid(),
                    state="running",
                    mode=self.config.mode,
                    started_ns=now,
                    published=self.publisher.seq + 1,
                    received=0,
                    malformed=0,
                    gaps=0,
                ),
            )
            self.publisher.publish(
                "risk.state",
                RiskState(
                    state=self.state,
                    reasons=[],
                    positions={},
                    session_pnl=Decimal(0),
                    snapshot_ok=True,
                ),
            )
        if self.decisions:
            self.publisher.publish(
                "risk.decision",
                RiskDecision(
                    coin=self.coin,
                    decision_id=self.decision_id,
                    intent_id=self.decision_id,
                    verdict=self.verdict,
                    reasons=[],
                    trading_state=self.state,
                    bids=self.bids,
                    asks=self.asks,
                    created_ns=now,
                ),
            )

    def start(self) -> FakeRisk:
        """Publish from a thread of its own (the only user of the socket from then on)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fake-risk", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.publish_once()
            self._stop.wait(self.period_s)

    def close(self) -> None:
        """Stop publishing and free the endpoint (safe to call twice)."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if not self.ctx.closed:
            self.publisher.close()
            self.ctx.term()
