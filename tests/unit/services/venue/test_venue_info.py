from decimal import Decimal as D

import pytest

from amm.common.sim import OrderRequest, Tif
from amm.services.venue.info import InfoRequestError, handle_info
from tests.unit.services.venue.test_venue_state import (
    ALICE,
    BOB,
    CLOID,
    T0,
    US500,
    make_state,
    order,
    signed,
)


def traded_state():
    """ALICE short 1 km:US500 at 6000 (maker), BOB long; ALICE also rests a BTC bid."""
    state = make_state()
    signed(state, ALICE)
    signed(state, BOB)
    state.place(ALICE, [order(False, "6000", "1", cloid=CLOID)], T0)
    state.place(BOB, [order(True, "6000", "1", Tif.IOC)], T0 + 1)
    state.place(ALICE, [OrderRequest("BTC", True, D("80000"), D("0.01"))], T0 + 2)
    return state


def info(state, **body):
    return handle_info(state, body, T0 + 10)


def test_meta_lists_each_dex_universe_with_its_margin_tables():
    state = make_state()
    assert info(state, type="meta", dex="km") == {
        "universe": [{"szDecimals": 2, "name": US500, "maxLeverage": 20, "marginTableId": 20}],
        "marginTables": [
            [20, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 20}]}]
        ],
        "collateralToken": 0,
    }
    assert [u["name"] for u in info(state, type="meta")["universe"]] == ["BTC"]


def test_perp_dexs_starts_with_null_then_the_builder_dexes():
    [main, km] = info(make_state(), type="perpDexs")
    assert main is None
    assert km["name"] == "km" and km["deployer"].startswith("0x")


def test_spot_meta_has_usdc_as_token_zero():
    spot = info(make_state(), type="spotMeta")
    assert spot["universe"] == [] and spot["tokens"][0]["name"] == "USDC"


def test_meta_and_asset_ctxs_pairs_the_universe_with_contexts():
    meta, ctxs = info(make_state(), type="metaAndAssetCtxs", dex="km")
    assert len(meta["universe"]) == len(ctxs) == 1
    assert ctxs[0]["markPx"] == "6000"


def test_all_mids_uses_the_mark_when_the_book_is_one_sided():
    assert info(make_state(), type="allMids", dex="km") == {US500: "6000"}
    assert info(make_state(), type="allMids") == {"BTC": "90000"}


def test_l2_book_of_an_unknown_coin_is_null():
    state = traded_state()
    assert info(state, type="l2Book", coin="DOGE") is None
    book = info(state, type="l2Book", coin="BTC")
    assert book["levels"] == [[{"px": "80000", "sz": "0.01", "n": 1}], []]


def test_clearinghouse_state_shows_the_pool_on_every_dex_and_positions_on_their_own():
    state = traded_state()
    km = info(state, type="clearinghouseState", user=ALICE, dex="km")
    main = info(state, type="clearinghouseState", user=ALICE, dex="")
    [position] = km["assetPositions"]
    assert position["position"]["coin"] == US500 and position["position"]["szi"] == "-1"
    assert main["assetPositions"] == []
    assert km["marginSummary"]["totalNtlPos"] == "6000"
    assert km["marginSummary"]["totalMarginUsed"] == "300"
    assert km["crossMaintenanceMarginUsed"] == "150"
    assert main["marginSummary"]["accountValue"] == km["marginSummary"]["accountValue"]
    assert km["time"] == T0 + 10 and set(km) == {
        "marginSummary",
        "crossMarginSummary",
        "crossMaintenanceMarginUsed",
        "withdrawable",
        "assetPositions",
        "time",
    }


def test_an_address_that_never_signed_has_an_empty_account_and_is_not_created():
    state = make_state()
    body = info(state, type="clearinghouseState", user=ALICE)
    assert body["marginSummary"]["accountValue"] == "0" and body["assetPositions"] == []
    assert info(state, type="openOrders", user=ALICE) == []
    assert not state.is_known(ALICE)
    assert state.engine.accounts() == ()


def test_open_orders_are_per_dex_and_frontend_orders_have_more_fields():
    state = traded_state()
    [main] = info(state, type="openOrders", user=ALICE)
    assert main["coin"] == "BTC" and "orderType" not in main
    assert info(state, type="openOrders", user=ALICE, dex="km") == []
    [front] = info(state, type="frontendOpenOrders", user=ALICE, dex="")
    assert front["orderType"] == "Limit" and front["tif"] == "Gtc"


def test_user_fills_are_newest_first_and_by_time_filters_a_range():
    state = traded_state()
    state.place(ALICE, [order(False, "6001", "1")], T0 + 3)
    state.place(BOB, [order(True, "6001", "1", Tif.IOC)], T0 + 4)
    fills = info(state, type="userFills", user=BOB)
    assert [f["time"] for f in fills] == [T0 + 4, T0 + 1]
    ranged = info(state, type="userFillsByTime", user=BOB, startTime=T0 + 2, endTime=T0 + 9)
    assert [f["time"] for f in ranged] == [T0 + 4]


def test_order_status_by_oid_and_cloid_or_unknown_oid():
    state = traded_state()
    by_cloid = info(state, type="orderStatus", user=ALICE, oid=CLOID)
    assert by_cloid["status"] == "order"
    assert by_cloid["order"]["status"] == "filled"
    assert by_cloid["order"]["statusTimestamp"] == T0 + 1
    assert by_cloid["order"]["order"]["cloid"] == CLOID
    oid = by_cloid["order"]["order"]["oid"]
    assert info(state, type="orderStatus", user=ALICE, oid=oid) == by_cloid
    assert info(state, type="orderStatus", user=ALICE, oid=999) == {"status": "unknownOid"}


def test_user_funding_is_the_funding_ledger():
    state = traded_state()
    later = T0 + 3_600_000
    state.advance(later)
    [entry] = handle_info(state, {"type": "userFunding", "user": BOB, "startTime": 0}, later)
    assert entry["delta"]["type"] == "funding" and entry["delta"]["coin"] == US500
    assert set(entry) == {"time", "hash", "delta"}


def test_user_rate_limit_counts_admitted_actions_and_volume():
    assert info(traded_state(), type="userRateLimit", user=BOB) == {
        "cumVlm": "6000",
        "nRequestsUsed": 1,
        "nRequestsCap": 16000,
        "nRequestsSurplus": 0,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"type": "bogus"},
        {},
        {"type": "meta", "dex": "nope"},
        {"type": "clearinghouseState"},
        {"type": "orderStatus", "user": ALICE, "oid": "0x12"},
        {"type": "userFillsByTime", "user": ALICE},
    ],
)
def test_unknown_or_malformed_requests_do_not_deserialize(body):
    with pytest.raises(InfoRequestError):
        handle_info(make_state(), body, T0)
