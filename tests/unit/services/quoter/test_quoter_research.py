"""`amm research glft`: the report a person checks the GLFT model with."""

import io
import json

import pytest

from amm.tools.research import glft_command, glft_report, print_glft_report


def test_report_gives_the_hand_computed_half_spread_and_skew():
    # gamma = 0.5, Delta = 1, k = 0.5, A = 2: c1 = 2 ln 2, c2 = 1; sigma = 3: h = 2 ln 2 + 1.5
    report = glft_report(A=2.0, k=0.5, sigma=3.0, gamma=0.5, delta=1.0)
    assert report["c1"] == pytest.approx(1.3862943611)
    assert report["c2"] == pytest.approx(1.0)
    assert report["half_spread"] == pytest.approx(2.8862943611)
    assert report["skew"] == pytest.approx(3.0)
    by_q = {row["q"]: (row["bid"], row["ask"]) for row in report["depths"]}
    assert by_q[1.0] == pytest.approx((5.8862943611, -0.1137056389))
    assert by_q[0.0] == pytest.approx((2.8862943611, 2.8862943611))


def test_text_and_json_output():
    report = glft_report(A=1.08, k=0.04, sigma=10.0, gamma=0.05, delta=1.0)
    text = io.StringIO()
    print_glft_report(report, as_json=False, out=text)
    assert "= 24.110156" in text.getvalue() and "= 15.783103" in text.getvalue()
    as_json = io.StringIO()
    print_glft_report(report, as_json=True, out=as_json)
    assert json.loads(as_json.getvalue())["half_spread"] == pytest.approx(24.11015594)


def test_bad_inputs_are_refused_with_the_name(capsys):
    with pytest.raises(ValueError, match=r"^k must be"):
        glft_report(A=1.0, k=0.0, sigma=1.0, gamma=0.05, delta=1.0)
    assert glft_command(1.0, 0.3, -1.0, 0.05, 1.0) == 2
    assert "sigma must be" in capsys.readouterr().err
    assert glft_command(1.0, 0.3, 1.0, 0.05, 1.0, as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["inputs"]["xi"] == 0.05
