"""L1Signer and recover_signer: the SDK's signatures byte for byte, and the signer recovered."""

from __future__ import annotations

from typing import Any

import eth_account
import pytest
from hyperliquid.utils.signing import (
    action_hash,
    recover_agent_or_user_from_l1_action,
    sign_l1_action,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from amm.common.hyperliquid.signing import (
    L1Signer,
    SignatureError,
    connection_id,
    recover_signer,
)

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECRET = "0x" + "11" * 32
ADDRESS = "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"  # of SECRET
NONCE = 1_795_000_000_123
ORDER = {"type": "order", "orders": [], "grouping": "na"}

# ---- actions as the client and the SDK build them -------------------------------------------

u64 = st.integers(0, 2**64 - 1)
assets = st.integers(0, 200_000)
hex_bytes = st.binary(min_size=16, max_size=16).map(lambda raw: "0x" + raw.hex())
addresses = st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex())
wire_numbers = st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False).map(
    lambda value: f"{value.normalize():f}"
)
limit = st.fixed_dictionaries({"tif": st.sampled_from(["Alo", "Ioc", "Gtc"])}).map(
    lambda tif: {"limit": tif}
)
trigger = st.fixed_dictionaries(
    {"isMarket": st.booleans(), "triggerPx": wire_numbers, "tpsl": st.sampled_from(["tp", "sl"])}
).map(lambda spec: {"trigger": spec})
order_wires = st.fixed_dictionaries(
    {
        "a": assets,
        "b": st.booleans(),
        "p": wire_numbers,
        "s": wire_numbers,
        "r": st.booleans(),
        "t": st.one_of(limit, trigger),
    },
    optional={"c": hex_bytes},
)
order_actions = st.builds(
    lambda orders, grouping, builder: {
        "type": "order",
        "orders": orders,
        "grouping": grouping,
        **({"builder": builder} if builder else {}),
    },
    st.lists(order_wires, min_size=1, max_size=20),
    st.sampled_from(["na", "normalTpsl", "positionTpsl"]),
    st.none() | st.fixed_dictionaries({"b": addresses, "f": st.integers(0, 100)}),
)
cancels = st.lists(st.fixed_dictionaries({"a": assets, "o": u64}), min_size=1, max_size=20).map(
    lambda cancels: {"type": "cancel", "cancels": cancels}
)
cancels_by_cloid = st.lists(
    st.fixed_dictionaries({"asset": assets, "cloid": hex_bytes}), min_size=1, max_size=20
).map(lambda cancels: {"type": "cancelByCloid", "cancels": cancels})
batch_modifies = st.lists(
    st.fixed_dictionaries({"oid": u64 | hex_bytes, "order": order_wires}), min_size=1, max_size=20
).map(lambda modifies: {"type": "batchModify", "modifies": modifies})
schedule_cancels = st.one_of(
    st.just({"type": "scheduleCancel"}), u64.map(lambda t: {"type": "scheduleCancel", "time": t})
)
update_leverages = st.builds(
    lambda asset, is_cross, leverage: {
        "type": "updateLeverage",
        "asset": asset,
        "isCross": is_cross,
        "leverage": leverage,
    },
    assets,
    st.booleans(),
    st.integers(1, 100),
)
actions = st.one_of(
    order_actions, cancels, cancels_by_cloid, batch_modifies, schedule_cancels, update_leverages
)
secrets = st.integers(1, SECP256K1_N - 1).map(lambda key: "0x" + key.to_bytes(32, "big").hex())
vaults = st.none() | addresses
expiries = st.none() | u64

# Whatever JSON a client sends the venue: it must hash to the SDK's connectionId too.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=20)
        | st.dictionaries(st.text(max_size=40), children, max_size=20)
    ),
    max_leaves=60,
)


def sdk_sign(secret: str, action: dict[str, Any], nonce: int, vault, expires, is_mainnet: bool):
    wallet = eth_account.Account.from_key(secret)
    return sign_l1_action(wallet, action, vault, nonce, expires, is_mainnet)


# ---- the SDK's signatures, byte for byte ----------------------------------------------------


@settings(max_examples=300)
@given(secrets, actions, u64, vaults, expiries, st.booleans())
def test_signatures_equal_the_sdks(secret, action, nonce, vault, expires, is_mainnet):
    ours = L1Signer(secret, is_mainnet).sign(action, nonce, vault, expires)
    assert ours == sdk_sign(secret, action, nonce, vault, expires, is_mainnet)


@settings(max_examples=100)
@given(json_values, u64, vaults, expiries)
def test_any_json_action_hashes_to_the_sdks_connection_id(body, nonce, vault, expires):
    action = {"type": "order", "body": body}
    assert connection_id(action, nonce, vault, expires) == action_hash(
        action, vault, nonce, expires
    )


# Every width msgpack chooses between, on both sides of each boundary.
BOUNDARY_INTS = [0, 127, 128, 255, 256, 2**16 - 1, 2**16, 2**32 - 1, 2**32, 2**64 - 1]
BOUNDARY_INTS += [-1, -32, -33, -128, -129, -(2**15), -(2**15) - 1, -(2**31), -(2**31) - 1]
BOUNDARY_INTS += [-(2**63)]
BOUNDARY_SIZES = [0, 15, 16, 31, 32, 255, 256, 2**16 - 1, 2**16]


@pytest.mark.parametrize(
    "body",
    [
        *BOUNDARY_INTS,
        *[f(n) for n in BOUNDARY_SIZES for f in ("a".__mul__, [0].__mul__)],
        "é€😀" * 20,
        *[{str(i): i for i in range(n)} for n in BOUNDARY_SIZES],
        0.0,
        -0.0,
        0.1,
        1e300,
        float("inf"),
        float("nan"),
    ],
    ids=lambda body: (
        f"{type(body).__name__}-{len(body)}" if hasattr(body, "__len__") else repr(body)
    ),
)
def test_msgpack_boundaries_hash_to_the_sdks_connection_id(body):
    action = {"type": "order", "body": body}
    assert connection_id(action, NONCE, None, None) == action_hash(action, None, NONCE, None)


@pytest.mark.parametrize(
    "action",
    [
        {"type": "scheduleCancel"},
        {"type": "scheduleCancel", "time": NONCE + 10_000},
        {"type": "cancel", "cancels": [{"a": 110000, "o": 2**63 + 5}]},
        {"type": "updateLeverage", "asset": 0, "isCross": False, "leverage": 20},
    ],
)
@pytest.mark.parametrize("is_mainnet", [False, True])
def test_both_networks_with_and_without_vault_and_expiry(action, is_mainnet):
    signer = L1Signer(SECRET, is_mainnet)
    for vault in (None, "0x" + "ab" * 20, "cd" * 20):
        for expires in (None, 0, NONCE + 60_000):
            ours = signer.sign(action, NONCE, vault, expires)
            assert ours == sdk_sign(SECRET, action, NONCE, vault, expires, is_mainnet)


def test_a_key_reads_with_or_without_0x_and_is_never_shown():
    with_prefix = L1Signer(SECRET, False)
    assert with_prefix.sign(ORDER, NONCE) == L1Signer(SECRET[2:], False).sign(ORDER, NONCE)
    assert SECRET[2:] not in repr(with_prefix)


@pytest.mark.parametrize("secret", ["0x" + "11" * 31, "0x" + "00" * 32, hex(SECP256K1_N)])
def test_a_key_that_is_not_a_secp256k1_scalar_is_refused(secret):
    with pytest.raises(ValueError):
        L1Signer(secret, False)


# ---- recovery -------------------------------------------------------------------------------


@settings(max_examples=100)
@given(actions, u64, vaults, expiries, st.booleans())
def test_the_signer_is_recovered_and_a_tampered_action_is_someone_else(
    action, nonce, vault, expires, is_mainnet
):
    signature = L1Signer(SECRET, is_mainnet).sign(action, nonce, vault, expires)
    assert recover_signer(action, nonce, vault, expires, signature, is_mainnet) == ADDRESS
    tampered = {**action, "tampered": True}
    assert recover_signer(tampered, nonce, vault, expires, signature, is_mainnet) != ADDRESS


def test_every_signed_field_changes_the_recovered_address():
    signature = L1Signer(SECRET, False).sign(ORDER, NONCE, None, 1_000)
    assert recover_signer(ORDER, NONCE, None, 1_000, signature, False) == ADDRESS
    assert recover_signer(ORDER, NONCE + 1, None, 1_000, signature, False) != ADDRESS
    assert recover_signer(ORDER, NONCE, "0x" + "00" * 20, 1_000, signature, False) != ADDRESS
    assert recover_signer(ORDER, NONCE, None, 1_001, signature, False) != ADDRESS
    assert recover_signer(ORDER, NONCE, None, None, signature, False) != ADDRESS
    assert recover_signer(ORDER, NONCE, None, 1_000, signature, True) != ADDRESS


def sdk_recover(signature: dict[str, Any]) -> str:
    return recover_agent_or_user_from_l1_action(ORDER, signature, None, NONCE, None, False).lower()


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"v": "as 0/1"},
        {"v": "as EIP-155, chain 1"},
        {"r": "without 0x"},
        {"s": "zero-padded to 70 digits"},
    ],
)
def test_recovery_reads_v_r_and_s_as_the_sdks_recovery_does(change):
    signature = L1Signer(SECRET, False).sign(ORDER, NONCE)
    variant = dict(signature)
    if "v" in change:
        recid = signature["v"] - 27
        variant["v"] = recid if change["v"] == "as 0/1" else 37 + recid
    if "r" in change:
        variant["r"] = signature["r"][2:]
    if "s" in change:
        variant["s"] = "0x" + signature["s"][2:].rjust(70, "0")
    assert recover_signer(ORDER, NONCE, None, None, variant, False) == ADDRESS
    assert sdk_recover(variant) == ADDRESS


GOOD = {"r": "0x1", "s": "0x1", "v": 27}


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "0x1234",
        {"r": "0x1", "s": "0x1"},
        {**GOOD, "v": 29},
        {**GOOD, "v": 2},
        {**GOOD, "v": -1},
        {**GOOD, "v": True},
        {**GOOD, "v": "27"},
        {**GOOD, "r": 1},
        {**GOOD, "r": ""},
        {**GOOD, "r": "0x"},
        {**GOOD, "r": "0xzz"},
        {**GOOD, "r": "0x1_0"},
        {**GOOD, "r": "0x0"},
        {**GOOD, "s": "0x0"},
        {**GOOD, "r": hex(SECP256K1_N)},
        {**GOOD, "s": hex(SECP256K1_N + 1)},
    ],
)
def test_a_malformed_signature_is_a_signature_error(signature):
    with pytest.raises(SignatureError):
        recover_signer(ORDER, NONCE, None, None, signature, False)


@pytest.mark.parametrize(
    ("action", "nonce", "vault", "expires"),
    [
        ({"type": "cancel", "cancels": [{"a": 0, "o": 2**64}]}, NONCE, None, None),
        ({"type": "order", "x": object()}, NONCE, None, None),
        (ORDER, -1, None, None),
        (ORDER, 2**64, None, None),
        (ORDER, NONCE, "0xnothex", None),
        (ORDER, NONCE, None, -5),
    ],
)
def test_an_envelope_that_cannot_be_hashed_is_a_signature_error(action, nonce, vault, expires):
    signature = L1Signer(SECRET, False).sign(ORDER, NONCE)
    with pytest.raises(SignatureError):
        recover_signer(action, nonce, vault, expires, signature, False)
