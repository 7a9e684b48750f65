"""`amm research as2008`: the Avellaneda-Stoikov (2008) simulation against theory and the paper."""

import io
import json
import math

import pytest

from amm.research.as2008 import PAPER, average_spread, mean_std, simulate, symmetric_quoter
from amm.tools.research import as2008_command, as2008_report, print_as2008_report


def _json(gamma: float, paths: int, seed: int) -> str:
    out = io.StringIO()
    report = as2008_report(gamma, paths, seed)
    print_as2008_report(report, gamma=gamma, paths=paths, seed=seed, as_json=True, out=out)
    return out.getvalue()


def test_the_same_seed_gives_the_same_json_and_another_seed_does_not():
    first = _json(0.1, 200, seed=7)
    assert _json(0.1, 200, seed=7) == first
    assert _json(0.1, 200, seed=8) != first
    document = json.loads(first)
    assert set(document) == {"inventory", "symmetric"}
    for row in document.values():
        assert set(row) == {"spread", "profit_mean", "profit_std", "q_mean", "q_std"}


@pytest.mark.parametrize("half_spread", [0.75, 0.25])
def test_symmetric_profit_is_the_spread_earned_on_the_expected_fills(half_spread):
    # With the mid a martingale the inventory earns nothing on average, so the expected profit
    # is delta per fill times A*exp(-k*delta)*T fills per side: 2*A*exp(-k*delta)*delta*T.
    theory = 2 * PAPER.A * math.exp(-PAPER.k * half_spread) * half_spread * PAPER.T
    outcome = simulate({"symmetric": symmetric_quoter(half_spread)}, 4000, seed=3)["symmetric"]
    mean, std = mean_std(outcome.profit)
    standard_error = std / math.sqrt(len(outcome.profit))
    assert abs(mean - theory) < 4 * standard_error


def test_inventory_strategy_holds_less_inventory_than_symmetric():
    # The paper's main result (Table 1, gamma = 0.1): final q std 2.9 against 8.4.
    report = as2008_report(0.1, 1000, seed=0)
    assert report["inventory"]["q_std"] < report["symmetric"]["q_std"]
    assert report["inventory"]["profit_std"] < report["symmetric"]["profit_std"]


@pytest.mark.parametrize(("gamma", "published"), [(0.1, 1.49), (0.01, 1.35), (1.0, 3.02)])
def test_average_spread_is_the_papers(gamma, published):
    # The "average spread" column of the published Tables 1-3.
    assert average_spread(gamma) == pytest.approx(published, abs=0.015)


@pytest.mark.parametrize("gamma", [0.0, -0.1, math.nan, math.inf])
def test_a_bad_gamma_exits_2_naming_the_flag(gamma, capsys):
    assert as2008_command(gamma, 100, 0) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "amm research as2008: --gamma must be a finite number > 0" in captured.err


def test_bad_paths_and_seed_exit_2_naming_the_flag(capsys):
    assert as2008_command(0.1, 1, 0) == 2
    assert "--paths must be >= 2" in capsys.readouterr().err
    assert as2008_command(0.1, 100, -1) == 2
    assert "--seed must be >= 0" in capsys.readouterr().err


def test_text_output_is_the_papers_table(capsys):
    assert as2008_command(0.1, 100, 0) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Avellaneda-Stoikov (2008) section 3.3: gamma=0.1 paths=100")
    rows = [line.split()[:2] for line in lines[2:]]
    assert rows == [["inventory", "1.49"], ["symmetric", "1.49"]]
