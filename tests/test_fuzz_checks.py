"""The typed checks never raise, and always return, on any text (issue 11).

``re.IGNORECASE`` lets "ſ" (U+017F), the Kelvin sign (U+212A) and the Turkish i's match
ASCII letters, so every table lookup must survive them; and long runs of digits, spaces
and commas must not make any pattern backtrack. These tests check what comes back, never
how long it took: a pattern that backtracked would make them take minutes, not fail.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from divergence.checks import Finding, check_agents, check_dates, check_modal, run_checks
from divergence.quantities import quantities

#: Characters the patterns care about, the case-folding surprises among them.
TRICKY = "0123456789 ,.-–%$€£:/'’ſ\u212aİıKkSsMmayAaTt\n\t"
WORDS = ["six", "ſix", "thouſands", "hundreds", "Auguſt", "May", "may", "probably", "said",
         "on", "Monday", "by", "army", "was", "blown", "up", "killed", "at", "least", "of",
         "million", "between", "and", "a", "third", "\u212aILLED", "İSTANBUL", "-", "40"]  # fmt: skip

text_strategy = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=TRICKY, max_size=300),
    st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join),
)


def assert_well_formed(findings: list[Finding], a: str, b: str) -> None:
    for finding in findings:
        assert 0.0 <= finding.strength <= 1.0
        for span in finding.spans_a:
            assert a[span.start : span.end] == span.text
        for span in finding.spans_b:
            assert b[span.start : span.end] == span.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=text_strategy, b=text_strategy, overlap=st.floats(0.0, 1.0))
def test_run_checks_never_raises(a: str, b: str, overlap: float) -> None:
    findings = run_checks(a, b, overlap=overlap, speaker_a=a[:5] or None, speaker_b=b[:5] or None)
    assert_well_formed(findings, a, b)


@settings(max_examples=150, deadline=None)
@given(text=text_strategy)
def test_quantities_point_into_the_text(text: str) -> None:
    for q in quantities(text):
        assert text[q.start : q.end] == q.text
        assert q.low <= q.high


def adversarial() -> dict[str, str]:
    """10,000-character inputs of the kinds that made the old patterns backtrack or raise."""
    return {
        "digits": "1" * 10_000,
        "four digit runs": " ".join(["7" * 2_499] * 4),
        "digits and commas": "1," * 5_000,
        "digits, one long space": "1" + " " * 9_998 + "2",
        "long s": "ſ" * 10_000,
        "long s words": "ſix thouſands Auguſt 5 " * 435,
        "kelvin": "\u212a" * 10_000,
        "months and days": "May 1 " * 1_667,
        "mixed": "12, 3 ſix 40-50 May 4th 1,000,000 at least \u212a " * 230,
        "hyphens": "4-" * 5_000,
        "apostrophes": "n't " * 2_500,
        "by agents": "was blown up by " * 625,
    }


@pytest.mark.parametrize(("name", "text"), adversarial().items(), ids=list(adversarial()))
def test_adversarial_inputs_return(name: str, text: str) -> None:
    assert len(text) >= 9_990
    findings = run_checks(text, text[::-1], overlap=0.5, speaker_a="ſix", speaker_b="Auguſt")
    assert_well_formed(findings, text, text[::-1])
    assert check_dates(text, "The attack on August 5.") is None or True  # returns
    check_modal(text, text)
    check_agents(text, text)
    assert all(text[q.start : q.end] == q.text for q in quantities(text))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ſix soldiers died.", "Ten soldiers died on Auguſt 6."),
        ("Thouſands fled.", "Hundreds fled."),
        ("The attack on Auguſt 5 killed ſeven.", "The attack on August 6 killed seven."),
        ("\u212aILLED: 40 people.", "İstanbul: 33 people killed."),
    ],
)
def test_long_s_and_kelvin_read_as_letters(a: str, b: str) -> None:
    findings = run_checks(a, b, overlap=0.5)
    assert findings, "the folded words are read, not skipped"
    assert_well_formed(findings, a, b)
