"""The unmodified Hyperliquid Python SDK against the paper venue over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import eth_account
import msgspec
import pytest
from aiohttp import web
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info
from hyperliquid.utils.error import ClientError
from hyperliquid.utils.signing import get_timestamp_ms, sign_l1_action
from hyperliquid.utils.types import Cloid

from amm.common.config import FaultConfig, VenueConfig, VenueMarketConfig
from amm.services.venue.faults import Faults
from amm.services.venue.http import create_app
from amm.services.venue.state import VenueState
from tests.helpers import paper_config_dict

US500 = "km:US500"
DEXES = ["", "km"]
ALO = {"limit": {"tif": "Alo"}}
GTC = {"limit": {"tif": "Gtc"}}
IOC = {"limit": {"tif": "Ioc"}}


class Clock:
    """A simulated clock the test moves by hand; it starts at the wall clock (SDK nonces)."""

    def __init__(self) -> None:
        self.ms = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


class VenueServer:
    """The venue app on 127.0.0.1 (port picked by the OS) in a thread with its own event loop."""

    def __init__(self, state: VenueState, clock: Clock, faults: Faults) -> None:
        self.state, self.clock, self.faults = state, clock, faults
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> str:
        self._thread.start()
        self.url = self.run_async(self._start())
        return self.url

    def stop(self) -> None:
        if self._runner is not None:
            self.run_async(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def run_async(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (the state is only touched there)."""

        async def run() -> Any:
            return fn()

        return self.run_async(run())

    async def _start(self) -> str:
        app = create_app(self.state, self.clock, self.faults, tick_s=0.01, hold_max_s=5.0)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"


def venue_config() -> VenueConfig:
    return VenueConfig(
        markets=[
            VenueMarketConfig(coin="BTC", sz_decimals=5, max_leverage=40, start_px=90000.0),
            VenueMarketConfig(coin=US500, sz_decimals=2, max_leverage=20, start_px=6000.0),
        ]
    )


def serve(config: VenueConfig, faults: FaultConfig | None = None) -> VenueServer:
    server = VenueServer(VenueState(config), Clock(), Faults(faults or FaultConfig(), config.seed))
    server.start()
    return server


@pytest.fixture
def venue() -> Iterator[VenueServer]:
    server = serve(venue_config())
    yield server
    server.stop()


def trader(venue: VenueServer) -> Exchange:
    return Exchange(eth_account.Account.create(), venue.url, perp_dexs=DEXES, timeout=5)


def info_of(venue: VenueServer) -> Info:
    return Info(venue.url, skip_ws=True, perp_dexs=DEXES, timeout=5)


def statuses(answer: dict[str, Any]) -> list[Any]:
    assert answer["status"] == "ok", answer
    return answer["response"]["data"]["statuses"]


def only_status(answer: dict[str, Any]) -> Any:
    [status] = statuses(answer)
    return status


def with_book(venue: VenueServer) -> Exchange:
    """A second account resting a 5999 bid and a 6001 ask of 1 each in km:US500."""
    maker = trader(venue)
    assert "resting" in only_status(maker.order(US500, True, 1, 5999, GTC))
    assert "resting" in only_status(maker.order(US500, False, 1, 6001, GTC))
    return maker


# ---- Info ---------------------------------------------------------------------------------


def test_sdk_info_builds_against_the_shipped_paper_venue_and_agrees_on_asset_ids(tmp_path):
    config = msgspec.convert(paper_config_dict(tmp_path / "var")["venue"], VenueConfig)
    server = serve(config)
    try:
        info = info_of(server)
        for coin in server.state.coins():
            assert info.name_to_asset(coin) == server.state.asset_of(coin)
        assert info.name_to_asset(US500) == 110000
    finally:
        server.stop()


def test_every_info_query_answers_in_hyperliquid_shape(venue):
    info = info_of(venue)
    maker = with_book(venue)
    taker = trader(venue)
    cloid = Cloid.from_int(1)
    only_status(taker.order(US500, True, 0.5, 6001, IOC, cloid=cloid))
    user = taker.wallet.address

    assert info.meta(dex="km")["universe"][0]["name"] == US500
    meta, ctxs = info.meta_and_asset_ctxs()
    assert meta["universe"][0]["name"] == "BTC" and ctxs[0]["markPx"] == "90000"
    km_meta, [km_ctx] = info.post("/info", {"type": "metaAndAssetCtxs", "dex": "km"})
    assert km_meta["universe"][0]["name"] == US500
    assert km_ctx["midPx"] == "6000" and km_ctx["dayNtlVlm"] == "3000.5"
    assert info.spot_meta()["tokens"][0]["name"] == "USDC"
    assert info.perp_dexs()[0] is None and info.perp_dexs()[1]["name"] == "km"
    assert info.all_mids("km") == {US500: "6000"}
    book = info.l2_snapshot(US500)
    assert book["coin"] == US500 and book["levels"][1][0] == {"px": "6001", "sz": "0.5", "n": 1}
    state = info.user_state(user, "km")
    assert state["assetPositions"][0]["position"]["szi"] == "0.5"
    assert info.user_state(user)["assetPositions"] == []
    assert [o["oid"] for o in info.open_orders(maker.wallet.address, "km")] == [1, 2]
    assert info.frontend_open_orders(maker.wallet.address, "km")[0]["orderType"] == "Limit"
    [fill] = info.user_fills(user)
    assert (fill["coin"], fill["px"], fill["sz"], fill["side"]) == (US500, "6001", "0.5", "B")
    assert info.user_fills_by_time(user, fill["time"] - 1) == [fill]
    by_cloid = info.query_order_by_cloid(user, cloid)
    assert by_cloid["order"]["status"] == "filled"
    assert info.query_order_by_oid(user, fill["oid"]) == by_cloid
    assert info.query_order_by_oid(user, 424242) == {"status": "unknownOid"}
    assert info.user_rate_limit(user) == {
        "cumVlm": "3000.5",
        "nRequestsUsed": 1,
        "nRequestsCap": 13000,
        "nRequestsSurplus": 0,
    }
    assert info.user_funding_history(user, 0) == []


def test_unknown_info_type_is_answered_422_like_hyperliquid(venue):
    with pytest.raises(ClientError) as raised:
        info_of(venue).post("/info", {"type": "noSuchThing"})
    assert raised.value.status_code == 422
    assert raised.value.error_message.startswith(
        "Failed to deserialize the JSON body into the target type"
    )


# ---- trading ------------------------------------------------------------------------------


def test_alo_order_rests_and_ioc_order_fills_against_another_accounts_liquidity(venue):
    exchange = trader(venue)
    maker = with_book(venue)
    rest = only_status(exchange.order(US500, True, 0.5, 5998, ALO, cloid=Cloid.from_int(9)))
    assert rest == {"resting": {"oid": 3, "cloid": "0x00000000000000000000000000000009"}}
    filled = only_status(exchange.order(US500, False, 0.4, 5999, IOC))
    assert filled == {"filled": {"totalSz": "0.4", "avgPx": "5999", "oid": 4}}
    assert [o["sz"] for o in exchange.info.open_orders(maker.wallet.address, "km")] == ["0.6", "1"]
    positions = exchange.info.user_state(exchange.wallet.address, "km")["assetPositions"]
    assert positions[0]["position"]["szi"] == "-0.4"


def test_modify_order_by_oid_and_by_cloid(venue):
    exchange = trader(venue)
    cloid = Cloid.from_int(77)
    oid = only_status(exchange.order(US500, True, 1, 5990, GTC))["resting"]["oid"]
    by_oid = exchange.modify_order(oid, US500, True, 1, 5991, GTC, cloid=cloid)
    new_oid = only_status(by_oid)["resting"]["oid"]
    assert new_oid != oid
    by_cloid = exchange.modify_order(cloid, US500, True, 2, 5992, GTC, cloid=cloid)
    assert "resting" in only_status(by_cloid)
    [order] = exchange.info.open_orders(exchange.wallet.address, "km")
    assert (order["limitPx"], order["sz"], order["cloid"]) == ("5992", "2", cloid.to_raw())
    gone = exchange.modify_order(oid, US500, True, 1, 5993, GTC)
    assert only_status(gone) == {"error": "Cannot modify canceled or filled order"}


def test_cancel_and_cancel_by_cloid(venue):
    exchange = trader(venue)
    cloid = Cloid.from_int(5)
    oid = only_status(exchange.order(US500, True, 1, 5990, GTC))["resting"]["oid"]
    only_status(exchange.order(US500, True, 1, 5980, GTC, cloid=cloid))
    assert only_status(exchange.cancel(US500, oid)) == "success"
    assert only_status(exchange.cancel_by_cloid(US500, cloid)) == "success"
    assert exchange.info.open_orders(exchange.wallet.address, "km") == []
    status = exchange.info.query_order_by_oid(exchange.wallet.address, oid)
    assert status["order"]["status"] == "canceled"


def test_schedule_cancel_fires_when_the_clock_passes_it(venue):
    exchange = trader(venue)
    oid = only_status(exchange.order(US500, True, 1, 5990, GTC))["resting"]["oid"]
    too_soon = exchange.schedule_cancel(venue.clock() + 4_000)
    assert too_soon == {
        "status": "err",
        "response": "Scheduled cancel time too early, must be at least 5 seconds from now.",
    }
    at = venue.clock() + 10_000
    assert exchange.schedule_cancel(at) == {"status": "ok", "response": {"type": "default"}}
    assert len(exchange.info.open_orders(exchange.wallet.address, "km")) == 1
    venue.clock.advance(10_001)
    assert exchange.info.open_orders(exchange.wallet.address, "km") == []
    status = exchange.info.query_order_by_oid(exchange.wallet.address, oid)["order"]
    assert (status["status"], status["statusTimestamp"]) == ("scheduledCancel", at)


def test_update_leverage_changes_the_positions_leverage(venue):
    exchange = trader(venue)
    with_book(venue)
    ok = {"status": "ok", "response": {"type": "default"}}
    assert exchange.update_leverage(5, US500) == ok
    only_status(exchange.order(US500, True, 0.1, 6001, IOC))
    [position] = exchange.info.user_state(exchange.wallet.address, "km")["assetPositions"]
    assert position["position"]["leverage"] == {"type": "cross", "value": 5}
    assert exchange.update_leverage(21, US500) == {
        "status": "err",
        "response": "Invalid leverage value.",
    }


# ---- every error string -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_buy", "sz", "px", "order_type", "reduce_only", "error"),
    [
        (True, 1, 5990.05, GTC, False, "Price must be divisible by tick size."),
        (True, 0.001, 5990, GTC, False, "Order has invalid size."),
        (True, 0.01, 900, GTC, False, "Order must have minimum value of $10."),
        (True, 10, 5990, GTC, False, "Insufficient margin to place order."),
        (False, 1, 6010, GTC, True, "Reduce only order would increase position."),
        (
            True,
            1,
            6001,
            ALO,
            False,
            "Post only order would have immediately matched, bbo was 5999@6001.",
        ),
        (
            True,
            1,
            5990,
            IOC,
            False,
            "Order could not immediately match against any resting orders.",
        ),
    ],
)
def test_order_rule_breaks_answer_hyperliquids_error(
    venue, is_buy, sz, px, order_type, reduce_only, error
):
    with_book(venue)
    exchange = trader(venue)
    answer = exchange.order(US500, is_buy, sz, px, order_type, reduce_only=reduce_only)
    assert only_status(answer) == {"error": error}
    assert exchange.info.open_orders(exchange.wallet.address, "km") == []


def test_cancel_of_an_unknown_order_answers_never_placed(venue):
    answer = trader(venue).cancel(US500, 123456)
    assert only_status(answer) == {"error": "Order was never placed, already canceled, or filled."}


def signed_payload(exchange: Exchange, action: dict, nonce: int, **kw: Any) -> dict[str, Any]:
    expires_after = kw.pop("expires_after", None)
    is_mainnet = kw.pop("is_mainnet", False)
    signature = sign_l1_action(exchange.wallet, action, None, nonce, expires_after, is_mainnet)
    return {
        "action": action,
        "nonce": nonce,
        "signature": signature,
        "vaultAddress": None,
        "expiresAfter": expires_after,
    }


def order_action(exchange: Exchange, px: str = "5990") -> dict[str, Any]:
    asset = exchange.info.name_to_asset(US500)
    wire = {"a": asset, "b": True, "p": px, "s": "1", "r": False, "t": GTC}
    return {"type": "order", "orders": [wire], "grouping": "na"}


def test_malformed_signature_is_an_error(venue):
    exchange = trader(venue)
    payload = signed_payload(exchange, order_action(exchange), get_timestamp_ms())
    payload["signature"]["v"] = 29
    assert exchange.post("/exchange", payload) == {
        "status": "err",
        "response": "Unable to recover signer.",
    }


def test_mainnet_signature_of_a_known_account_is_an_unknown_wallet(venue):
    exchange = trader(venue)
    assert exchange.schedule_cancel(None)["status"] == "ok"
    nonce = get_timestamp_ms() + 1
    payload = signed_payload(exchange, order_action(exchange), nonce, is_mainnet=True)
    answer = exchange.post("/exchange", payload)
    assert answer["status"] == "err"
    assert answer["response"].startswith("User or API Wallet 0x")
    assert answer["response"].endswith(" does not exist.")
    assert exchange.wallet.address.lower() not in answer["response"]


def test_reused_nonce_is_rejected(venue):
    exchange = trader(venue)
    nonce = get_timestamp_ms()
    first = exchange.post("/exchange", signed_payload(exchange, order_action(exchange), nonce))
    assert "resting" in only_status(first)
    again = signed_payload(exchange, order_action(exchange, "5980"), nonce)
    assert exchange.post("/exchange", again) == {
        "status": "err",
        "response": f"Invalid nonce: duplicate nonce {nonce}",
    }


def test_action_past_its_expires_after_is_rejected(venue):
    exchange = trader(venue)
    exchange.set_expires_after(venue.clock() - 1)
    assert exchange.order(US500, True, 1, 5990, GTC) == {
        "status": "err",
        "response": "Action already expired.",
    }
    exchange.set_expires_after(venue.clock() + 60_000)
    assert "resting" in only_status(exchange.order(US500, True, 1, 5990, GTC))
