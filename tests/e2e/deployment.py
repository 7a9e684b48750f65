"""A private deployment under a real supervisord, as a user runs one (shared by the e2e tests).

It is `amm chaos`'s deployment (`amm/tools/chaos/deployment.py`): a folder with the repo's own
supervisord.conf, our venv and the paper config on free ports. The tests only move some limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from amm.common.deployment import alive as alive
from amm.tools.chaos.deployment import PrivateDeployment

# The paper market's informed takers can cost a dollar within a minute; the kill switch and the
# emergency mode (both tested on their own) would then stop the quoting these tests are about,
# depending on the market's luck. Keep them out of reach here.
E2E_OVERRIDES: dict[str, Any] = {
    "monitor": {
        "cycle_interval_s": 10.0,  # a cycle report within a test's patience
        "evaluate_interval_s": 2.0,
        "modes": {"emergency_session_pnl_usd": -1000.0, "emergency_cycle_pnl_usd": -1000.0},
    },
    "risk": {"max_session_loss_usd": 1000.0},
}


class Deployment(PrivateDeployment):
    """The e2e tests' deployment in `home` (a test's tmp_path)."""

    def __init__(self, home: Path) -> None:
        super().__init__(home, E2E_OVERRIDES)
