"""The ledger agrees with the paper venue's engine: position, closedPnl, fees, funding, cash."""

from decimal import Decimal as D

from hypothesis import given, settings

from amm.common.accounting import Ledger
from amm.services.execution.wire import fill_from_wire
from tests.unit.common.sim.sim_helpers import ALICE, BOB, COIN, engine
from tests.unit.common.sim.test_sim_properties import operations, run


@settings(max_examples=120, deadline=None)
@given(operations)
def test_ledger_fed_with_the_engines_fills_matches_the_engines_account(ops):
    eng = engine()
    for time_ms, op in enumerate(ops):
        run(eng, op, time_ms)
    for user in (ALICE, BOB):
        ledger = Ledger()
        for sim_fill in eng.user_fills(user):
            assert ledger.apply(fill_from_wire(sim_fill.to_wire()))
        for funding in eng.user_funding(user):
            assert ledger.apply_funding(funding.coin, funding.usdc, funding.time)
        books = ledger.coin(COIN)
        account = eng.account(user)
        assert books.position == account.position(COIN)
        assert books.realized_pnl == books.exchange_closed_pnl == account.closed_pnl
        assert books.fees == account.fees_paid
        assert books.funding == account.funding.get(COIN, D(0))
        assert account.collateral == account.deposits + books.cash_pnl
        assert books.rebases == 0
