"""The [monitor] table: defaults, the block proposed for configs/paper.toml, clear errors."""

import tomllib
from decimal import Decimal as D

import msgspec
import pytest

from amm.services.monitor.settings import MonitorSettings

PAPER_BLOCK = """
[monitor]
cycle_interval_s = 60.0         # cycle report in the log and monitor.stats (default 300)
evaluate_interval_s = 5.0       # alerts and the emergency mode between cycles
mode_interval_s = 5.0           # monitor.mode re-published this often, and on every change
sample_interval_s = 10.0        # history samples: mid, position, session PnL
flush_interval_s = 1.0          # the monitor's SQLite state (var/monitor/) is written this often
alert_window = "1h"             # trade alerts measured over: 5m, 30m, 1h, session or total
mid_max_age_s = 60.0            # an older mid is not used for spread capture and markouts
tape_retention_s = 300.0        # mids kept for late fills' markouts
funding = true                  # read userFunding from the exchange before each cycle
prometheus_port = 9105          # http://127.0.0.1:9105/metrics; 0 = off
sync_retry_s = 1.0              # execution's fill snapshot retried this often
history_points = 2000           # history reply: at most this many pnl/position/mid points
history_fills = 2000            # history reply: the session's last fills

[monitor.alerts]                # raised beyond the threshold, cleared back inside by *_clear
min_fills = 5                   # trade alerts need this many fills in alert_window
imbalance_warning = 0.70        # |bought - sold| / (bought + sold)
imbalance_critical = 0.85
imbalance_clear = 0.05
one_sided_warning = 0.80        # share of fills on the busier side (at or above)
one_sided_clear = 0.05
spread_capture_warning_bps = 1.0
spread_capture_critical_bps = -1.0
spread_capture_clear_bps = 0.5
fill_rate_warning_per_h = 300.0
fill_rate_critical_per_h = 400.0
fill_rate_clear_per_h = 25.0
delta_warning = 0.4             # |delta| from risk.state
delta_critical = 0.6
delta_clear = 0.05
session_pnl_warning_usd = -0.50
session_pnl_critical_usd = -1.00
session_loss_limit_usd = -5.00  # its own critical alert
pnl_clear_usd = 0.10
crosscheck_usd = 0.10           # account value change vs trade-based PnL, per dex
crosscheck_clear_usd = 0.02
crosscheck_checks = 2           # cycles in a row beyond it (also for a position mismatch)
market_data_max_age_s = 5.0     # no md.status for this long counts as not live
risk_max_age_s = 10.0           # an older risk.state gives no delta

[monitor.modes]                 # targets per cycle; more defensive at once, more aggressive
initial = "moderate"            # only after upgrade_cycles cycles in a row
window = "30m"                  # spread capture for the modes measured over this window
upgrade_cycles = 3
emergency_session_pnl_usd = -2.00
emergency_cycle_pnl_usd = -0.50
defensive_spread_bps = -3.0
defensive_cycle_pnl_usd = -0.20
moderate_spread_bps = 1.0
moderate_cycle_pnl_usd = 0.0
aggressive_spread_bps = 10.0
aggressive_cycle_pnl_usd = 0.10
very_aggressive_spread_bps = 15.0
very_aggressive_cycle_pnl_usd = 0.15
"""


def load(text: str) -> MonitorSettings:
    return msgspec.convert(tomllib.loads(text)["monitor"], MonitorSettings)


def test_the_paper_block_is_the_defaults_with_a_shorter_cycle_and_prometheus_on():
    paper = load(PAPER_BLOCK)
    expected = msgspec.structs.replace(
        MonitorSettings(), cycle_interval_s=60.0, prometheus_port=9105
    )
    assert paper == expected
    assert paper.alerts.session_pnl_warning_usd == D("-0.50")
    assert paper.modes.very_aggressive_cycle_pnl_usd == D("0.15")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[monitor]\nalert_window = '2h'", "`alert_window` must be one of"),
        ("[monitor]\ncycle_interval_s = 2.0\nevaluate_interval_s = 5.0", "must not exceed"),
        ("[monitor]\nprometheus_port = 70000", "<= 65535"),
        ("[monitor]\ncolour = 1", "unknown field `colour`"),
        (
            "[monitor.alerts]\nimbalance_warning = 0.9",
            "`imbalance_warning` (0.9) must be below `imbalance_critical`",
        ),
        (
            "[monitor.alerts]\nspread_capture_critical_bps = 2.0",
            "`spread_capture_critical_bps` (2.0) must be below `spread_capture_warning_bps`",
        ),
        (
            "[monitor.alerts]\nsession_pnl_critical_usd = -0.1",
            "`session_pnl_critical_usd` (-0.1) must be below `session_pnl_warning_usd`",
        ),
        ("[monitor.modes]\nwindow = 'week'", "`window` must be one of"),
        (
            "[monitor.modes]\naggressive_spread_bps = 20.0",
            "`aggressive_spread_bps` (20.0) must be below `very_aggressive_spread_bps`",
        ),
        ("[monitor.modes]\ninitial = 'reckless'", "Invalid enum value 'reckless'"),
    ],
)
def test_bad_values_are_refused_naming_the_key(text, message):
    with pytest.raises(msgspec.ValidationError) as raised:
        load(text)
    assert message in str(raised.value)
