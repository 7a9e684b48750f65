import asyncio
import io
from decimal import Decimal as D
from typing import Any

from amm.common.logs import EventLog
from amm.services.execution.actions import Cancel, Modify, NewOrder, Plan
from amm.services.execution.exchange_io import ExchangeIO
from amm.services.execution.logic import ExecutionCore, ExecutionSettings
from tests.unit.services.execution.execution_helpers import COIN, INSTANCE, SPEC, cloid, factory

ANSWER_S = 0.02


class Directory:
    def asset(self, coin: str) -> int:
        return SPEC.asset

    def dex(self, coin: str) -> str:
        return "km"


class Signer:
    account = "0x" + "a1" * 20


class Exchange:
    """Answers every action after ANSWER_S; records when each was sent and answered."""

    def __init__(self) -> None:
        self.signer = Signer()
        self.log: list[tuple[str, str]] = []

    async def submit(self, action: dict[str, Any], *, expires_after_ms: int) -> dict[str, Any]:
        kind = action["type"]
        self.log.append(("sent", kind))
        await asyncio.sleep(ANSWER_S)
        self.log.append(("answered", kind))
        items = action.get("cancels") or action.get("modifies") or action.get("orders") or []
        return {
            "status": "ok",
            "response": {"type": kind, "data": {"statuses": ["success"] * len(items)}},
        }


def exchange_io(exchange: Exchange) -> ExchangeIO:
    core = ExecutionCore(ExecutionSettings(), {COIN: SPEC}, factory(INSTANCE))
    log = EventLog("execution", stream=io.StringIO())
    return ExchangeIO(exchange, Directory(), core, log, lambda events: None, expiry_ms=10_000)


def terms(n: int, px: str) -> tuple[str, str, str, D, D, str]:
    return (cloid(n), COIN, "B", D(px), D("0.5"), "Alo")


def test_modifies_and_places_of_a_plan_go_out_together_after_its_cancels():
    exchange = Exchange()
    plan = Plan(
        COIN,
        cancels=(Cancel(cloid(1), COIN),),
        modifies=(Modify(*terms(2, "5990")),),
        places=(NewOrder(*terms(3, "5989")),),
    )
    asyncio.run(exchange_io(exchange).send_plan(plan))
    assert exchange.log[:2] == [("sent", "cancelByCloid"), ("answered", "cancelByCloid")]
    assert {entry for entry in exchange.log[2:4]} == {("sent", "batchModify"), ("sent", "order")}


def test_a_refresh_that_moves_and_places_costs_one_round_trip():
    exchange = Exchange()
    plan = Plan(COIN, modifies=(Modify(*terms(2, "5990")),), places=(NewOrder(*terms(3, "5989")),))

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await exchange_io(exchange).send_plan(plan)
        return loop.time() - start

    assert asyncio.run(timed()) < 2 * ANSWER_S
