import pytest

from amm.services.venue.exchange import (
    FAULT_REJECT_ERROR,
    TRIGGER_ERROR,
    VAULT_ERROR,
    DeserializeError,
    handle_exchange,
    parse_envelope,
)
from amm.services.venue.state import MODIFY_MISSING_ERROR
from tests.unit.services.venue.test_venue_state import ALICE, CLOID, T0, make_state

ASSET = 110000


def wire(px="5990", sz="1", *, is_buy=True, tif="Gtc", cloid=None, asset=ASSET):
    body = {"a": asset, "b": is_buy, "p": px, "s": sz, "r": False, "t": {"limit": {"tif": tif}}}
    if cloid:
        body["c"] = cloid
    return body


class Venue:
    """Drive handle_exchange with a fixed signer and increasing nonces."""

    def __init__(self) -> None:
        self.state = make_state()
        self.nonce = T0

    def send(self, action, *, expires_after=None, vault=None, reject=lambda: False):
        self.nonce += 1
        body = {
            "action": action,
            "nonce": self.nonce,
            "signature": {"r": "0x1", "s": "0x1", "v": 27},
            "vaultAddress": vault,
            "expiresAfter": expires_after,
        }
        return handle_exchange(self.state, parse_envelope(body), ALICE, T0, reject_order=reject)

    def order(self, *orders, **kw):
        return self.send({"type": "order", "orders": list(orders), "grouping": "na"}, **kw)


def statuses(answer):
    assert answer["status"] == "ok", answer
    return answer["response"]["data"]["statuses"]


def test_order_answers_one_status_per_order_in_hyperliquid_shape():
    venue = Venue()
    answer = venue.order(wire(cloid=CLOID), wire(px="5990.5", sz="0.001"))
    assert answer["response"]["type"] == "order"
    assert statuses(answer) == [
        {"resting": {"oid": 1, "cloid": CLOID}},
        {"error": "Order has invalid size."},
    ]


def test_unknown_asset_and_trigger_orders_get_per_order_errors():
    venue = Venue()
    trigger = wire()
    trigger["t"] = {"trigger": {"isMarket": True, "triggerPx": "5900", "tpsl": "sl"}}
    assert statuses(venue.order(wire(asset=7), trigger, wire())) == [
        {"error": "Unknown asset 7."},
        {"error": TRIGGER_ERROR},
        {"resting": {"oid": 1}},
    ]


def test_fault_rejected_orders_are_not_placed():
    venue = Venue()
    assert statuses(venue.order(wire(), reject=lambda: True)) == [{"error": FAULT_REJECT_ERROR}]
    assert venue.state.engine.open_orders(ALICE) == ()


def test_cancel_and_cancel_by_cloid_answer_success_or_the_missing_order_error():
    venue = Venue()
    venue.order(wire(cloid=CLOID), wire(px="5980"))
    by_oid = venue.send({"type": "cancel", "cancels": [{"a": ASSET, "o": 2}, {"a": ASSET, "o": 9}]})
    assert by_oid == {
        "status": "ok",
        "response": {
            "type": "cancel",
            "data": {
                "statuses": [
                    "success",
                    {"error": "Order was never placed, already canceled, or filled."},
                ]
            },
        },
    }
    by_cloid = venue.send({"type": "cancelByCloid", "cancels": [{"asset": ASSET, "cloid": CLOID}]})
    assert statuses(by_cloid) == ["success"]


def test_modify_answers_default_and_batch_modify_answers_statuses():
    venue = Venue()
    venue.order(wire(cloid=CLOID))
    single = venue.send({"type": "modify", "oid": CLOID, "order": wire(px="5991", cloid=CLOID)})
    assert single == {"status": "ok", "response": {"type": "default"}}
    batch = venue.send(
        {"type": "batchModify", "modifies": [{"oid": CLOID, "order": wire(px="5992")}]}
    )
    assert statuses(batch) == [{"resting": {"oid": 3}}]


def test_modify_of_a_gone_order_is_an_error_response():
    venue = Venue()
    assert venue.send({"type": "modify", "oid": 42, "order": wire()}) == {
        "status": "err",
        "response": MODIFY_MISSING_ERROR,
    }
    batch = venue.send({"type": "batchModify", "modifies": [{"oid": 42, "order": wire()}]})
    assert statuses(batch) == [{"error": MODIFY_MISSING_ERROR}]


def test_schedule_cancel_and_update_leverage_answer_default():
    venue = Venue()
    armed = venue.send({"type": "scheduleCancel", "time": T0 + 10_000})
    assert armed == {"status": "ok", "response": {"type": "default"}}
    assert venue.state.scheduled_cancel_ms(ALICE) == T0 + 10_000
    assert venue.send({"type": "scheduleCancel"})["status"] == "ok"
    assert venue.state.scheduled_cancel_ms(ALICE) is None
    leverage = venue.send(
        {"type": "updateLeverage", "asset": ASSET, "isCross": True, "leverage": 3}
    )
    assert leverage == {"status": "ok", "response": {"type": "default"}}
    bad = venue.send({"type": "updateLeverage", "asset": ASSET, "isCross": True, "leverage": 99})
    assert bad == {"status": "err", "response": "Invalid leverage value."}


def test_vault_actions_are_refused():
    assert Venue().order(wire(), vault="0x" + "1" * 40) == {
        "status": "err",
        "response": VAULT_ERROR,
    }


def test_batch_counts_one_request_per_order():
    venue = Venue()
    venue.order(wire(), wire(px="5980"), wire(px="5970"))
    assert venue.state.rate_limit(ALICE).n_requests_used == 3


@pytest.mark.parametrize(
    "action",
    [
        {"type": "usdSend", "destination": ALICE, "amount": "1"},
        {"type": "order", "orders": [{**wire(), "p": 5990.0}], "grouping": "na"},
        {"type": "order", "orders": [{**wire(), "p": "abc"}], "grouping": "na"},
        {"type": "order", "orders": [wire(cloid="0x12")], "grouping": "na"},
        {"type": "order", "orders": [wire(tif="Day")], "grouping": "na"},
        {"type": "cancel", "cancels": [{"a": ASSET}]},
        {"type": "updateLeverage", "asset": ASSET, "isCross": 1, "leverage": 3},
    ],
)
def test_malformed_actions_do_not_deserialize(action):
    with pytest.raises(DeserializeError):
        Venue().send(action)


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"nonce": 1, "signature": {}},
        {"action": {"type": "order"}, "nonce": -1, "signature": {}},
        {"action": {"type": "order"}, "nonce": 1},
        {"action": {"type": "order"}, "nonce": 1, "signature": {}, "expiresAfter": "soon"},
    ],
)
def test_malformed_envelopes_do_not_deserialize(body):
    with pytest.raises(DeserializeError):
        parse_envelope(body)
