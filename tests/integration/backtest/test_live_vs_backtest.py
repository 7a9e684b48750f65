"""The backtest's cores decide what the live actors decided, given the same recorded inputs.

A short paper session of the real actors (``amm venue``, ``amm actor marketdata``, ``risk``,
``execution`` and ``quoter`` as processes) is recorded with the recorder of ``amm record``. The
recording is replayed through the backtest's quoter and risk cores (``replay_recording``): each
recorded input at its recorded time, the quoter's timer at the times the live quoter published;
the replayed ladders are aligned with the ``quote.intent`` ladders the live quoter published, and
each live intent's replayed risk verdict with the live ``risk.decision`` answering it.

The recorder's clock is not the quoter's (a message reaches each a fraction of a millisecond
apart), so the estimators that switch at a time boundary are pinned in this config: sigma is held
at 1 bps/sqrt(s) (it is sampled once a second), A and k are not refitted, the token bucket is
large enough not to bind in the session, and so is risk's one-second intent rate window
(`max_intents_per_s`: two intents 1 ms apart can fall on either side of its edge), and the
moderate mode does not re-quote on a timer
(``quote_refresh_s``). Everything else runs with the shipped settings. (Unpinned, runs usually
match in full too, 24 of 24 and 25 of 25 ladders in two 40-second sessions, but a boundary can
fall between the two clocks and then one ladder differs.)
"""

from __future__ import annotations

import time

import pytest

from amm.backtest.recorded import replay_recording
from amm.common.config import load_config
from amm.common.keys import ensure_paper_key
from tests.helpers import start_actor, stop
from tests.integration.backtest.processes import start_recorder, start_venue

RECORD_S = 22.0
PINNED = {
    "quoter": {
        "intensity": {"calibrate": False},
        "volatility": {"min_bps_per_sqrt_s": 1.0, "max_bps_per_sqrt_s": 1.0},
        "throttle": {"burst_actions": 10_000},
        "modes": {"moderate": {"quote_refresh_s": 3600.0}},
    },
    "risk": {"max_session_loss_usd": 100.0, "max_intents_per_s": 10_000},
}


@pytest.fixture
def recorded_session(write_config, processes, tmp_path):
    """A recorded paper session; the recorder is listening before the quoter starts."""
    path = write_config(PINNED)
    config = load_config(path)
    ensure_paper_key(config.var_dir)
    venue = start_venue(path, config)
    processes.append(venue)
    actors = [start_actor(program, path) for program in ("marketdata", "risk", "execution")]
    processes.extend(actors)
    recording = tmp_path / "session.rec"
    thread = start_recorder(config, recording, RECORD_S)
    time.sleep(3)  # the actors are up and the recorder hears them
    quoter = start_actor("quoter", path)
    processes.append(quoter)
    thread.join(RECORD_S + 10)
    outputs = {p.args[2]: stop(p)[1] for p in [quoter, *reversed(actors)]}
    stop(venue)
    return config, recording, outputs


def test_the_backtests_quoter_and_risk_decide_as_the_live_actors_did(recorded_session):
    config, recording, outputs = recorded_session
    result = replay_recording(config, recording)
    quoter, risk = result.quoter, result.risk
    assert quoter.live >= 8, outputs["quoter"][-2000:]
    assert quoter.mismatches == []
    assert quoter.matched == quoter.live == quoter.replayed
    assert risk.live >= 8
    assert risk.mismatches == []
    assert risk.matched == risk.live == risk.replayed
    assert any(intent.bids and intent.asks for intent in result.intents)
