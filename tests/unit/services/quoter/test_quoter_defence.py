"""Adverse-selection defence: below the threshold, 3 bps further and at most 2 levels."""

from amm.services.quoter.defence import NO_DEFENCE, AdverseSelectionDefence, DefenceAdjustment
from amm.services.quoter.settings import DefenceSettings
from tests.unit.services.quoter.quoter_helpers import SECOND, T0

DEFENCE = DefenceSettings()  # the old report's rule: below -3 bps, 3 bps further, 2 levels


def test_off_until_a_figure_falls_below_its_threshold():
    defence = AdverseSelectionDefence(DEFENCE)
    assert defence.adjustment(T0) == NO_DEFENCE
    defence.on_performance(spread_capture_bps=1.0, markout_bps=-2.9, now_ns=T0)
    assert not defence.active(T0)
    defence.on_performance(spread_capture_bps=None, markout_bps=None, now_ns=T0)
    assert not defence.active(T0)


def test_a_bad_markout_or_spread_capture_widens_and_trims_for_the_hold():
    for capture, markout in ((1.0, -3.5), (-4.0, 0.5), (-4.0, None)):
        defence = AdverseSelectionDefence(DEFENCE)
        defence.on_performance(capture, markout, T0)
        assert defence.adjustment(T0) == DefenceAdjustment(extra_bps=3.0, max_levels=2)
        defence.on_performance(2.0, 1.0, T0 + SECOND)  # a good window does not end it early
        assert defence.active(T0 + 299 * SECOND)
        assert not defence.active(T0 + 300 * SECOND)


def test_each_bad_figure_restarts_the_hold():
    defence = AdverseSelectionDefence(DEFENCE)
    defence.on_performance(0.0, -5.0, T0)
    defence.on_performance(0.0, -5.0, T0 + 200 * SECOND)
    assert defence.active(T0 + 450 * SECOND)
