"""The claim catalogue: registry behaviour, and the exact counts it relies on."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.app import claims
from landscape.errors import InputError


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(-2, 2), min_size=3, max_size=3), min_size=1, max_size=7))
def test_zaslavsky_brute_force_matches_enumeration(rows):
    """Small integer rows are heavily degenerate: parallel, antipodal, zero, coplanar."""
    from landscape.geometry.arrangement import enumerate_cells

    assert enumerate_cells(rows).count == claims.zaslavsky_brute_force(rows)


def test_zaslavsky_known_values():
    assert claims.zaslavsky_brute_force(claims._resonance(3)) == 32
    assert claims.zaslavsky_brute_force(claims._threshold(3)) == 104
    braid = [[1 if k == i else -1 if k == j else 0 for k in range(4)] for i in range(4) for j in range(i + 1, 4)]
    assert claims.zaslavsky_brute_force(braid) == 24  # 4! cells
    assert claims.zaslavsky_brute_force([[0, 0]]) == 1


@pytest.mark.parametrize("name", ["cover", "pilanci-ergen", "orthogonal-closed-form", "boursier-necessity"])
def test_cheap_claims_pass(name):
    (row,) = claims.run_claims([name])
    assert row.status == "pass", row


def test_registry_reports_instead_of_raising(monkeypatch):
    monkeypatch.setattr(claims, "CLAIMS", {})
    claims.claim("ok", "A (2000)", "tiny")(lambda: claims.Outcome("1", "1", True))
    claims.claim("wrong", "B (2001)", "tiny")(lambda: claims.Outcome("1", "2", False))
    claims.claim("boom", "C (2002)", "tiny")(lambda: 1 / 0)
    claims.claim("later", "D (2003)", "tiny", requires=("landscape.not_yet:f",))(lambda: None)
    claims.claim("maybe", "E (2004)", "tiny")(lambda: claims.Outcome("x", "?", None))
    rows = {r.name: r for r in claims.run_claims()}
    assert {n: r.status for n, r in rows.items()} == {
        "ok": "pass", "wrong": "fail", "boom": "error", "later": "unavailable", "maybe": "undecided"}
    assert rows["boom"].observed == "ZeroDivisionError: division by zero"
    with pytest.raises(ValueError, match="twice"):
        claims.claim("ok", "A", "x")(lambda: None)
    with pytest.raises(InputError, match="unknown claim 'nope'"):
        claims.run_claims(["nope"])


def test_cli_verify(capsys):
    from landscape.cli import main

    assert main(["verify", "cover", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "claim,citation,instance,expected,observed,status"
    assert out[1].startswith("cover,") and out[1].endswith(",pass")
    assert main(["verify", "nope"]) == 2
