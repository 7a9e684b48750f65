"""Trade metrics and PnL against hand-computed cases, through the shared ledger."""

from decimal import Decimal as D

from amm.services.monitor.history import Sample
from tests.unit.services.monitor.monitor_helpers import (
    COIN,
    SECOND_MS,
    T0_MS,
    bbo,
    fill,
    ready_core,
)

NOW = T0_MS + 10 * SECOND_MS


def test_partial_fills_fees_and_a_partial_close_hand_computed():
    core = ready_core(
        [
            fill("B", "6000", "0.10", start="0", seq=1, fee="0.0120"),
            fill("B", "6002", "0.05", start="0.10", seq=2, fee="0.0060", time_ms=T0_MS + 1000),
            fill(
                "A", "6010", "0.06", start="0.15", seq=3, fee="0.0072", crossed=True,
                time_ms=T0_MS + 2000,
            ),
        ]
    )  # fmt: skip
    core.on_bbo(bbo("6004.5", "6005.5", T0_MS + 3000))
    w = core.window(COIN, "session", NOW).stats()
    # 0.15 bought for 600 + 300.1 = 900.1; selling 0.06 of it at 6010 realizes
    # (0.15 x 6010 - 900.1) x 0.06 / 0.15 = 1.4 x 0.4 = 0.56; 0.09 left with a basis of 540.06
    assert (w.fills, w.buys, w.sells) == (3, 2, 1)
    assert (w.buy_volume, w.sell_volume, w.matched_volume) == (D("0.15"), D("0.06"), D("0.06"))
    assert w.avg_buy_px == D("6000.66666667") and w.avg_sell_px == D("6010.00000000")
    assert w.fees == D("0.0252")
    assert w.realized_pnl == D("0.56")
    assert w.matched_pnl == D("0.534800")  # (6010 - 900.1 / 0.15) x 0.06 - 0.0252
    assert w.unrealized_pnl == D("0.39")  # 0.09 x 6005 - 540.06
    assert w.net_pnl == D("0.9248")  # 0.56 + 0 - 0.0252 + 0.39
    assert abs(w.imbalance - 0.09 / 0.21) < 1e-12
    assert w.maker_share == 2 / 3 and w.one_sided == 2 / 3
    assert core.ledger.coin(COIN).szi == D("0.09")


def test_a_flip_from_long_to_short_with_fees_and_funding():
    core = ready_core(
        [
            fill("B", "6000", "0.10", start="0", seq=1, fee="0.01"),
            fill("A", "6010", "0.25", start="0.10", seq=2, fee="0.02", time_ms=T0_MS + 1000),
            fill("B", "6020", "0.05", start="-0.15", seq=3, time_ms=T0_MS + 2000),
        ]
    )
    assert core.on_funding([(COIN, T0_MS + 2500, D("-0.02"))], T0_MS + 10_000) == 1
    assert (
        core.on_funding([(COIN, T0_MS + 2500, D("-0.02"))], T0_MS + 10_000) == 0
    )  # the same payment again
    core.on_funding(
        [(COIN, T0_MS - 3_600_000, D("0.5"))], T0_MS + 10_000
    )  # before the session: total only
    core.on_bbo(bbo("5999.5", "6000.5", T0_MS + 3000))
    books = core.ledger.coin(COIN)
    # the flip closes 0.10 long at 6010 (+1.0) and opens 0.15 short at 6010; buying 0.05 back at
    # 6020 realizes (6010 - 6020) x 0.05 = -0.5; 0.10 short left at 6010
    assert books.szi == D("-0.10") and books.entry_px == D("6010")
    w = core.window(COIN, "session", NOW).stats()
    assert w.realized_pnl == D("0.5") and w.fees == D("0.03") and w.funding == D("-0.02")
    assert w.unrealized_pnl == D("1.0")  # -0.10 x 6000 + 601
    assert w.net_pnl == D("1.45")  # 0.5 - 0.02 - 0.03 + 1.0
    assert w.matched_volume == D("0.15")
    assert w.matched_pnl == D("0.470000")  # (6010 - 901 / 0.15) x 0.15 - 0.03
    assert w.imbalance == -0.25  # (0.15 - 0.25) / 0.40
    total = core.window(COIN, "total", NOW).stats()
    assert total.funding == D("0.48") and total.net_pnl == D("1.95")
    assert core.session_pnl(NOW) == D("1.45")


def test_fills_before_the_session_count_in_total_and_open_the_session_with_their_position():
    before = T0_MS - 120 * SECOND_MS  # the session starts at T0 - 60 s
    core = ready_core(
        [
            fill("B", "6000", "0.10", start="0", seq=1, time_ms=before, fee="0.01"),
            fill("A", "6010", "0.04", start="0.10", seq=2, time_ms=T0_MS),
        ]
    )
    core.on_bbo(bbo("6019.5", "6020.5", T0_MS + 1000))  # the session's opening mark: 6020
    session = core.window(COIN, "session", NOW).stats()
    total = core.window(COIN, "total", NOW).stats()
    assert (session.fills, total.fills) == (1, 2)
    assert session.fees == D(0) and total.fees == D("0.01")
    assert session.realized_pnl == total.realized_pnl == D("0.40")  # (6010 - 6000) x 0.04
    # the opening 0.10 long is valued at the opening mark 6020, the remaining 0.06 at 6020 too
    assert session.unrealized_pnl == D("0.06") * 6020 - D("360") - (D("0.10") * 6020 - 600)
    assert session.net_pnl == D("0.40") + session.unrealized_pnl
    assert total.net_pnl == D("0.40") - D("0.01") + (D("0.06") * 6020 - 360)


def test_a_rolling_window_opens_with_the_position_at_the_sampled_mid_of_its_start():
    ten_minutes_ago = NOW - 600 * SECOND_MS
    core = ready_core(
        [fill("B", "6000", "0.10", start="0", seq=1, time_ms=ten_minutes_ago)],
        now_ms=ten_minutes_ago - 1000,
    )
    core.samples[COIN] = [Sample(time_ms=NOW - 300_001, mid=D("6010"), szi=D("0.10"), pnl=D(1))]
    core.on_bbo(bbo("6019.5", "6020.5", NOW))
    five = core.window(COIN, "5m", NOW).stats()
    assert five.fills == 0 and five.realized_pnl == 0
    assert five.unrealized_pnl == D("1.0")  # 0.10 x (6020 - 6010)
    assert five.net_pnl == D("1.0")
    assert core.window(COIN, "session", NOW).stats().net_pnl == D("2.0")  # 0.10 x (6020 - 6000)


def test_spread_capture_is_the_notional_weighted_distance_inside_the_mid():
    core = ready_core()
    core.on_bbo(bbo("5999", "6001", T0_MS - 500))  # mid 6000
    core.on_fill(fill("B", "5997", "0.10", start="0", seq=1))  # 5 bps inside, 599.7 notional
    core.on_fill(fill("A", "5999", "0.10", start="0.10", seq=2))  # 1.67 bps through the mid
    core.on_bbo(bbo("5999", "6001", T0_MS + 100))
    w = core.window(COIN, "session", NOW).stats()
    edge_buy, edge_sell = D(3) / 6000 * 10_000, D(-1) / 6000 * 10_000
    expected = (D("599.7") * edge_buy + D("599.9") * edge_sell) / (D("599.7") + D("599.9"))
    assert abs(w.spread_capture_bps - float(expected)) < 1e-9
    assert w.spread_capture_bps > 0


def test_fill_rate_divides_by_the_span_but_never_by_less_than_a_minute():
    core = ready_core(
        [
            fill("B", "6000", "0.01", start=str(D("0.01") * i), seq=i + 1, time_ms=T0_MS + i)
            for i in range(6)
        ],
        now_ms=T0_MS - 1000,
    )
    assert core.window(COIN, "session", T0_MS + 9000).stats().fill_rate_per_h == 360.0
    half_hour = T0_MS - 1000 + 1_800_000
    assert core.window(COIN, "session", half_hour).stats().fill_rate_per_h == 12.0
    assert core.window(COIN, "5m", T0_MS + 9000).stats().fill_rate_per_h == 360.0


def test_without_fills_every_figure_is_zero_or_unknown():
    w = ready_core().window(COIN, "1h", NOW).stats()
    assert (w.fills, w.imbalance, w.fill_rate_per_h) == (0, 0.0, 0.0)
    assert w.avg_buy_px is None and w.maker_share is None and w.spread_capture_bps is None
    assert w.net_pnl == 0 and w.matched_pnl == 0
    assert w.markouts_bps == {"1s": None, "5s": None, "30s": None, "60s": None}
