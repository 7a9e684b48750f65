import pytest

from amm.common.hyperliquid.rules import is_valid_cloid
from amm.services.execution.cloids import FAMILY, CloidFactory, Provenance

INSTANCE = bytes.fromhex("deadbeef")


def test_cloids_are_sixteen_bytes_of_family_instance_and_counter():
    cloids = CloidFactory(INSTANCE)
    first, second = cloids.next(), cloids.next()
    assert first == "0x414d4d35deadbeef0000000000000001"
    assert second == "0x414d4d35deadbeef0000000000000002"
    assert is_valid_cloid(first) and FAMILY == b"AMM5"
    assert cloids.prefix == "0x414d4d35deadbeef"


def test_ours_earlier_instances_and_foreign_are_told_apart():
    cloids = CloidFactory(INSTANCE)
    earlier = CloidFactory(bytes.fromhex("01020304")).next()
    assert cloids.provenance(cloids.next()) is Provenance.CURRENT
    assert cloids.provenance(cloids.next().upper().replace("0X", "0x")) is Provenance.CURRENT
    assert cloids.provenance(earlier) is Provenance.FAMILY
    assert cloids.provenance("0x" + "ab" * 16) is Provenance.FOREIGN
    assert cloids.provenance(None) is Provenance.FOREIGN
    assert cloids.provenance("not a cloid") is Provenance.FOREIGN
    assert cloids.is_ours(earlier) and not cloids.is_ours("0x" + "00" * 16)


def test_the_instance_id_must_be_four_bytes():
    with pytest.raises(ValueError):
        CloidFactory(b"\x01\x02")
