"""The cycle report's log lines, in the old monitor's words.

Session Stats: 6 fills | 5 buys (0.50) / 1 sells (0.10) | Imbalance: 0.67
Session PnL: $-0.0107 | Spread: +0.00 bps | Fees: $0.0107
Cycle PnL: $-0.0036
"""

from __future__ import annotations

from decimal import Decimal

from amm.common.hyperliquid.rules import decimal_to_wire
from amm.common.messages import MonitorStats
from amm.services.monitor.settings import SESSION

_CENT = Decimal("0.01")


def cycle_lines(stats: MonitorStats) -> list[str]:
    """The three lines of one market's cycle report (from its session window)."""
    session = stats.windows[SESSION]
    spread = session.spread_capture_bps
    return [
        f"Session Stats: {session.fills} fills | {session.buys} buys "
        f"({_size(session.buy_volume)}) / {session.sells} sells ({_size(session.sell_volume)}) "
        f"| Imbalance: {session.imbalance:.2f}",
        f"Session PnL: ${session.net_pnl:.4f} | Spread: "
        f"{'n/a' if spread is None else f'{spread:+.2f} bps'} | Fees: ${session.fees:.4f}",
        f"Cycle PnL: ${stats.cycle_pnl:.4f}",
    ]


def _size(volume: Decimal) -> str:
    """Two decimals, or every decimal the size has if it has more."""
    return f"{volume:.2f}" if volume == volume.quantize(_CENT) else decimal_to_wire(volume)
