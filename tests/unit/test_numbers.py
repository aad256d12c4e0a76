"""Printed case numbers (muster.rules.numbers), one helper for applications (A-) and appeals (P-):
a hypothesis round trip over ids and the lenient spellings, and refusals naming the kind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.rules import appeals, applications
from muster.rules.numbers import APPEALS, APPLICATIONS, BadNumber, CaseNumbers

KINDS = [APPLICATIONS, APPEALS, CaseNumbers("X-", "example", 5)]


@given(st.sampled_from(KINDS), st.integers(min_value=1, max_value=10**12 - 1),
       st.sampled_from(["as printed", "padded", "lower", "no dash"]))
def test_every_number_prints_and_parses_back_in_every_spelling(kind, n, spelling):
    printed = kind.format(n)
    assert printed.startswith(kind.prefix) and len(printed) >= len(kind.prefix) + 7
    text = {"as printed": printed, "padded": f"  {printed} ", "lower": printed.lower(),
            "no dash": printed.replace("-", "", 1)}[spelling]
    assert kind.parse(text) == n


@given(st.sampled_from(KINDS), st.text(max_size=15))
def test_any_text_parses_to_a_positive_id_or_is_refused_naming_the_kind(kind, text):
    try:
        n = kind.parse(text)
    except BadNumber as exc:
        assert f"is not an {kind.what} number (like {kind.format(kind.example)})" in str(exc)
    else:
        assert n > 0 and kind.parse(kind.format(n)) == n


@pytest.mark.parametrize(("kind", "text"), [(APPLICATIONS, "P-0000012"), (APPEALS, "A-0000123"), (APPLICATIONS, "A-0"),
                                            (APPEALS, "P-1234567890123")])
def test_one_kinds_number_is_not_anothers(kind, text):
    with pytest.raises(BadNumber):
        kind.parse(text)


def test_both_areas_use_the_one_helper():
    assert applications.format_number(123) == "A-0000123" and appeals.format_number(12) == "P-0000012"
    assert applications.BadNumber is appeals.BadNumber is BadNumber
