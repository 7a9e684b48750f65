from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amm.common.hyperliquid.rules import (
    BASE_FEES,
    FeeSchedule,
    MarketSpec,
    Rounding,
    bad_alo_px_error,
    decimal_to_wire,
    is_valid_cloid,
    is_valid_price,
    is_valid_size,
    meets_min_value,
    round_price,
    round_price_aggressive,
    round_price_passive,
    round_size,
)


@pytest.mark.parametrize(
    ("px", "sz_decimals", "valid"),
    [
        ("5012.3", 2, True),  # 5 significant figures, 1 decimal <= 4
        ("5012.34", 2, False),  # 6 significant figures
        ("123456", 2, True),  # integers are always valid
        ("123456.5", 2, False),
        ("0.0012", 2, True),
        ("0.00123", 2, False),  # 5 decimals > 6 - 2
        ("0.00123", 1, True),
        ("1.2345", 0, True),
        ("1.23456", 0, False),
        ("0", 2, False),
        ("-1", 2, False),
        ("100.00", 2, True),  # trailing zeros do not count
    ],
)
def test_price_validity_follows_sig_figs_and_decimals(px, sz_decimals, valid):
    assert is_valid_price(D(px), sz_decimals) is valid


def test_round_price_nearest_down_and_up():
    assert round_price(D("5012.34"), 2) == D("5012.3")
    assert round_price(D("5012.36"), 2) == D("5012.4")
    assert round_price(D("5012.31"), 2, Rounding.UP) == D("5012.4")
    assert round_price(D("5012.39"), 2, Rounding.DOWN) == D("5012.3")
    assert round_price(D("123456.7"), 2) == D("123457")


def test_passive_rounding_moves_bids_down_and_asks_up():
    assert round_price_passive(D("5012.35"), 2, is_buy=True) == D("5012.3")
    assert round_price_passive(D("5012.31"), 2, is_buy=False) == D("5012.4")
    assert round_price_aggressive(D("5012.31"), 2, is_buy=True) == D("5012.4")
    assert round_price_aggressive(D("5012.39"), 2, is_buy=False) == D("5012.3")


def test_rounding_across_a_decade_lands_on_a_valid_price():
    assert round_price(D("99.99996"), 2) == D("100")
    assert round_price(D("9.99999"), 1, Rounding.UP) == D("10")


def test_a_tiny_price_never_rounds_to_zero():
    assert round_price(D("0.0000001"), 0, Rounding.DOWN) == D("0.000001")


@given(
    st.decimals(min_value=D("0.000001"), max_value=D("10000000"), places=8),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(list(Rounding)),
)
def test_round_price_always_returns_a_valid_price_on_the_requested_side(px, sz_decimals, rounding):
    rounded = round_price(px, sz_decimals, rounding)
    assert is_valid_price(rounded, sz_decimals)
    if rounding is Rounding.DOWN and px >= D(10) ** -(6 - sz_decimals):
        assert rounded <= px
    if rounding is Rounding.UP:
        assert rounded >= px
    if is_valid_price(px, sz_decimals):
        assert rounded == px


def test_size_must_be_positive_and_on_the_lot_grid():
    assert is_valid_size(D("0.01"), 2)
    assert is_valid_size(D("3"), 0)
    assert not is_valid_size(D("0.001"), 2)
    assert not is_valid_size(D("0"), 2)
    assert not is_valid_size(D("1.5"), 0)
    assert round_size(D("0.019"), 2) == D("0.01")
    assert round_size(D("0.011"), 2, Rounding.UP) == D("0.02")


def test_minimum_order_value_is_ten_dollars():
    assert meets_min_value(D("100"), D("0.1"))
    assert not meets_min_value(D("100"), D("0.09"))


def test_base_fees_are_1_5_and_4_5_basis_points_scaled_for_hip3():
    assert BASE_FEES.fee(D("10000"), is_maker=True) == D("1.5")
    assert BASE_FEES.fee(D("10000"), is_maker=False) == D("4.5")
    assert BASE_FEES.fee(D("10000"), is_maker=False, fee_scale=D(2)) == D("9.0")
    assert FeeSchedule(D(0), D(0)).fee(D("10000"), is_maker=False) == 0


def test_market_spec_knows_its_dex_and_price_decimals():
    spec = MarketSpec("km:US500", sz_decimals=2, max_leverage=20)
    assert spec.dex == "km"
    assert spec.px_decimals == 4
    assert MarketSpec("BTC", 5, 40).dex == ""
    with pytest.raises(ValueError, match="sz_decimals"):
        MarketSpec("X", 7, 3)


def test_post_only_error_prints_bbo_as_bid_at_ask():
    assert bad_alo_px_error(D("66621"), D("66642.0")) == (
        "Post only order would have immediately matched, bbo was 66621@66642."
    )
    assert bad_alo_px_error(None, D("1.5")).endswith("bbo was 0@1.5.")


def test_cloid_is_0x_and_32_hex_digits():
    assert is_valid_cloid("0x" + "0123456789abcdef" * 2)
    assert not is_valid_cloid("0x" + "0" * 31)
    assert not is_valid_cloid("0" * 34)


def test_decimals_go_on_the_wire_without_trailing_zeros():
    assert decimal_to_wire(D("100.00")) == "100"
    assert decimal_to_wire(D("0.0100")) == "0.01"
    assert decimal_to_wire(D("-0")) == "0"
    assert decimal_to_wire(D("1E+3")) == "1000"
