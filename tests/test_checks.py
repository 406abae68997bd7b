"""Typed divergence checks: what each one flags, what it leaves alone, and its evidence spans."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from divergence.checks import (
    Finding,
    Kind,
    Span,
    check_agents,
    check_attribution,
    check_certainty,
    check_dates,
    check_modal,
    check_negation,
    check_numbers,
    combine,
    run_checks,
)


def span_in(text: str, piece: str, start: int = 0) -> Span:
    """The Span of ``piece`` in ``text`` (its first occurrence from ``start``)."""
    at = text.index(piece, start)
    return Span(at, at + len(piece), piece)


def assert_spans_point_into(finding: Finding, a: str, b: str) -> None:
    for span in finding.spans_a:
        assert a[span.start : span.end] == span.text
    for span in finding.spans_b:
        assert b[span.start : span.end] == span.text


# ---- the hard-case table -----------------------------------------------------------------
PAIRS = Path(__file__).parent / "data" / "check_pairs.tsv"
CHECKS: dict[str, Callable[[str, str], Finding | None]] = {
    "numeric": check_numbers,
    "date": check_dates,
    "certainty": check_certainty,
    "attribution": lambda a, b: check_attribution(a, b, None, None),
}


def pair_rows() -> list[list[str]]:
    lines = (line for line in PAIRS.read_text().splitlines() if not line.startswith("#"))
    header, *rows = csv.reader(lines, delimiter="\t")
    assert header == ["kind", "a", "b", "fires", "evidence_a", "evidence_b"]
    return rows


@pytest.mark.parametrize(
    ("kind", "a", "b", "fires", "evidence_a", "evidence_b"), pair_rows(), ids=lambda v: v[:30]
)
def test_pairs(kind: str, a: str, b: str, fires: str, evidence_a: str, evidence_b: str) -> None:
    found = CHECKS[kind](a, b)
    if fires == "no":
        assert found is None, found
        return
    assert found is not None
    assert found.kind is Kind(kind)
    assert 0.0 < found.strength <= 0.95
    assert [s.text for s in found.spans_a[:1]] == ([evidence_a] if evidence_a else [])
    assert [s.text for s in found.spans_b[:1]] == ([evidence_b] if evidence_b else [])
    assert_spans_point_into(found, a, b)
    reverse = CHECKS[kind](b, a)  # every check reads the pair the same both ways round
    assert reverse is not None and reverse.strength == found.strength


def test_pair_table_covers_every_check() -> None:
    rows = pair_rows()
    for kind in CHECKS:
        fires = [row[3] for row in rows if row[0] == kind]
        assert fires.count("yes") >= 3 and fires.count("no") >= 3, kind


# ---- numbers -----------------------------------------------------------------------------


def test_numbers_40_vs_33_killed() -> None:
    a = "40 people were killed in the strike."
    b = "33 people were killed in the strike."
    finding = check_numbers(a, b)
    assert finding is not None
    assert finding.kind is Kind.NUMERIC
    assert finding.spans_a == (Span(0, 2, "40"),)
    assert finding.spans_b == (span_in(b, "33"),)
    assert finding.note == "killed: 40 vs 33"
    assert 0.55 <= finding.strength <= 0.95


def test_numbers_are_symmetric_in_evidence() -> None:
    a = "The army deployed 40 tanks near Rafah."
    b = "The army deployed 33 tanks near Rafah."
    ab, ba = check_numbers(a, b), check_numbers(b, a)
    assert ab is not None and ba is not None
    assert ab.strength == ba.strength
    assert (ab.spans_a, ab.spans_b) == (ba.spans_b, ba.spans_a)
    assert ab.note == "tanks: 40 vs 33"


def test_numbers_strength_is_highest_for_clear_same_thing_conflicts() -> None:
    clear = check_numbers("The quake killed 312 people.", "The quake killed 41 people.")
    two_bounds = check_numbers(
        "At least 40 people were killed in the strike.",
        "At least 33 people were killed in the strike.",
    )
    vague = check_numbers("Hundreds of homes burned.", "Thousands of homes burned.")
    small = check_numbers("The storm left 17 crew missing.", "The storm left 19 crew missing.")
    assert clear is not None and two_bounds is not None and vague is not None
    assert small is not None
    assert clear.strength >= 0.9
    assert 0.5 <= two_bounds.strength < clear.strength  # two tallies, each a lower bound
    assert vague.strength < clear.strength
    assert 0.7 <= small.strength < clear.strength  # precise figures: a small gap is still real


def test_numbers_thousands_vs_hundreds_of_palestinians() -> None:
    a = "The war has left thousands of Palestinians killed."
    b = "The war has left hundreds of Palestinians killed."
    finding = check_numbers(a, b)
    assert finding is not None
    assert finding.spans_a == (span_in(a, "thousands"),)
    assert finding.spans_b == (span_in(b, "hundreds"),)
    assert "thousands vs hundreds" in finding.note
    assert finding.strength > 0.55


def test_numbers_word_numbers() -> None:
    a = "Three soldiers were wounded in the ambush."
    b = "Ten soldiers were wounded in the ambush."
    finding = check_numbers(a, b)
    assert finding is not None
    assert finding.spans_a == (Span(0, 5, "Three"),)
    assert finding.spans_b == (Span(0, 3, "Ten"),)


def test_numbers_scaled_amounts() -> None:
    a = "The aid package is worth $2 million."
    b = "The aid package is worth $3 million."
    finding = check_numbers(a, b)
    assert finding is not None
    assert finding.spans_a == (span_in(a, "$2 million"),)
    assert finding.spans_b == (span_in(b, "$3 million"),)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hamas killed 1,200 people in the attack.", "Hamas killed 1,200 people in the attack."),
        ("Some 1,200 people were killed in the attack.", "About 1,200 people were killed."),
        ("The damage cost 2 million dollars.", "The damage cost 2,000,000 dollars."),
        ("Hundreds of Palestinians were killed.", "At least 500 Palestinians were killed."),
        ("Hamas holds 133 hostages.", "Hamas holds 130 hostages."),  # within rounding
        ("At least 40 people were killed.", "52 people were killed."),  # a bound, kept
    ],
)
def test_numbers_that_agree(a: str, b: str) -> None:
    assert check_numbers(a, b) is None


def test_numbers_with_different_units() -> None:
    assert check_numbers("40 people were killed.", "33 buildings were destroyed.") is None
    assert check_numbers("Hamas freed 40 hostages.", "Gaza lost 33 hospitals.") is None


def test_numbers_with_different_units_and_shared_context() -> None:
    assert check_numbers("Israel released 40 prisoners.", "Israel released 33 hostages.") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The war began in 2023.", "The war began in 2024."),
        ("In 2023, Israel launched the war in Gaza.", "In 2024, Israel launched the war in Gaza."),
        ("Talks resumed on April 8 in Cairo.", "Talks resumed on April 9 in Cairo."),
        ("The F-16 crashed near the base.", "The F-35 crashed near the base."),
    ],
)
def test_numbers_ignore_years_days_and_names(a: str, b: str) -> None:
    assert check_numbers(a, b) is None


# ---- negation ----------------------------------------------------------------------------


def test_negation_one_side_negated() -> None:
    a = "Hamas accepted the proposal."
    b = "Hamas did not accept the proposal."
    finding = check_negation(a, b, overlap=0.0)
    assert finding is not None
    assert finding.kind is Kind.NEGATION
    assert finding.spans_a == ()
    assert finding.spans_b == (span_in(b, "not"),)
    assert finding.note == "only claim B is negated"
    assert finding.strength == pytest.approx(0.3)


def test_negation_grows_with_overlap() -> None:
    a = "Israel agreed to the truce."
    b = "Israel has not agreed to the truce."
    low = check_negation(a, b, 0.0)
    high = check_negation(a, b, 1.0)
    assert low is not None and high is not None
    assert low.strength < high.strength <= 0.9


@pytest.mark.parametrize(
    ("a", "negator"),
    [
        ("Hamas rejected the proposal.", "rejected"),
        ("Israel isn't withdrawing its troops.", "isn't"),
        ("Israel never agreed to the truce.", "never"),
    ],
)
def test_negation_first_side_negated(a: str, negator: str) -> None:
    b = "Hamas accepted the proposal and Israel agreed to the truce, withdrawing troops."
    finding = check_negation(a, b, 0.5)
    assert finding is not None
    assert finding.spans_a == (span_in(a, negator),)
    assert finding.spans_b == ()
    assert finding.note == "only claim A is negated"


def test_weak_negation() -> None:
    a = "The talks ended without a deal."
    b = "The talks ended with a deal."
    finding = check_negation(a, b, 0.0)
    assert finding is not None
    assert finding.spans_a == (span_in(a, "without"),)
    assert finding.strength == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("a", "b", "negator"),
    [
        ("The report is false.", "The report was confirmed by officials.", "false"),
        ("Officials denied that the wife had been arrested.", "The wife was arrested.", "denied"),
        # A denied clause about the wife, against her detention: through the subject's head.
        (
            "A fighter denied that the leader's wife had been arrested.",
            "Soldiers detained the leader's wife and son at the border.",
            "denied",
        ),
        ("Voters did not approve the constitution.", "Voters approved the constitution.", "not"),
        # A debunking headline's "No, ..." reaches past its comma.
        ("No, a gull did not land on the mayor.", "A gull landed on the mayor's head.", "No"),
        # A demonstrative is skipped like "it": what is denied is whose the remains are.
        (
            "The remains are not those of the lost sailors.",
            "Remains found on the reef are linked to the lost sailors.",
            "not",
        ),
    ],
)
def test_negation_reaches_what_it_negates(a: str, b: str, negator: str) -> None:
    finding = check_negation(a, b, 0.5)
    assert finding is not None
    assert finding.spans_a == (span_in(a, negator),)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # The negated word is not asserted by the other claim: these agree, or talk past.
        (
            "Christian Bale will not play Steve Jobs.",
            "Christian Bale drops out of the Jobs biopic.",
        ),
        (
            "The ceasefire did not hold in the north.",
            "Fighting resumed in the north after the ceasefire.",
        ),
        ("They were detained in Lebanon.", "No one knows where they were detained."),
        # The denied clause is about his wife's arrest, not about the man it starts with.
        (
            "Officials denied that al-Rashid's wife had been arrested.",
            "Born in 1971, al-Rashid comes from a family of preachers.",
        ),
        # "No," answers a question; it does not negate "the Batmobile".
        ("No, it's the Batmobile!", "Here is a real picture of the Batmobile."),
    ],
)
def test_negation_out_of_scope(a: str, b: str) -> None:
    assert check_negation(a, b, 1.0) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hamas accepted the proposal.", "Hamas accepted the proposal."),
        ("Hamas has not accepted the proposal.", "Israel never agreed to the truce."),
        ("The talks ended without a deal.", "The talks ended without an agreement."),
    ],
)
def test_negation_symmetric_cases(a: str, b: str) -> None:
    assert check_negation(a, b, 1.0) is None


@pytest.mark.parametrize(
    ("a", "b", "cue"),
    [
        # A debunking report rarely negates the rumour's words; it calls the story false.
        ("The photo of the two-headed shark is a fake.",
         "A fisherman caught a two-headed shark off Florida.", "fake"),
        ("Reports of a meteorite strike in the capital were dismissed as a hoax.",
         "A meteorite struck the capital on Saturday night.", "dismissed as|hoax"),
        ("Astronomers cast doubt on reports that the comet will hit the moon.",
         "The comet will hit the moon next year.", "cast doubt"),
        ("Police denied reports of a shooting at the mall.",
         "Two people were shot at the mall on Sunday.", "denied"),
        ("The viral video of the rescue was faked, a witness says.",
         "A viral video shows a firefighter rescuing a cat.", "faked"),
        ("That panel of sports pundits is not real.",
         "The network's panel of sports pundits will be all men.", "not real"),
        ("A fake news story claimed the singer had died.",
         "The singer died in hospital on Tuesday.", "fake"),
        # A denial that reaches what the other claim says, past its first word.
        ("The surgeon denies an unauthorised biopsy and a selfie.",
         "The surgeon took a selfie before the biopsy.", "denies"),
        # A reported plan denied: "plan" is not in the other claim, but it is what is denied.
        ("The airline denies plans to seat men and women apart.",
         "The airline will ban mixed seating on its flights.", "denies"),
        # Readers taken in: the story is false though no word of it is negated.
        ("Thousands were fooled by a story about a talking parrot mayor.",
         "A talking parrot was elected mayor of a small town.", "fooled"),
        ("People actually believed the town elected a parrot as mayor.",
         "The town elected a parrot as its mayor.", "actually believed"),
    ],
)  # fmt: skip
def test_negation_calling_the_story_false(a: str, b: str, cue: str) -> None:
    finding = check_negation(a, b, 0.5)
    assert finding is not None
    assert (finding.kind, finding.note, finding.spans_b) == (
        Kind.NEGATION, "only claim A calls it false", ()
    )  # fmt: skip
    assert "|".join(span.text for span in finding.spans_a) == cue
    swapped = check_negation(b, a, 0.5)
    assert swapped is not None and swapped.note == "only claim B calls it false"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Both call it false: they agree.
        ("The death report was a hoax.", "Fans were fooled by a fake death report."),
        # What is fake is not the story: passports, charges the other claim never mentions.
        ("The suspects were caught with fake passports.", "Two suspects were arrested at the airport."),
        ("He says he faces bogus charges.", "He was arrested in March."),
        # Passive "denied" is refused, not a denial.
        ("The reporter was denied entry to the court.", "The reporter entered the court."),
        # The denial is about something the other claim does not say.
        ("A fighter denied that the leader's wife had been arrested.",
         "The group seized wide areas of the country last year."),
        # ... or reaches its verb but not its subject: other people were arrested.
        ("A fighter denied that the leader's wife had been arrested.",
         "Police have arrested dozens of militants in the city this year."),
        ("A fighter denied that the leader's wife had been arrested.",
         "A reward is offered for the arrest of the leader."),
        ("The judge dismissed the case on Monday.", "The case was heard on Monday."),
        # The other side says no as well: they agree.
        ("Reports that the minister resigned are false.", "The minister has not resigned."),
        # The other retells the rumour without asserting it.
        ("The death report is a hoax.", "Unconfirmed reports say the actor was found dead."),
        # A negation against a claim that itself calls the story false: they agree.
        ("The singer is not dead.", "A fake news story claimed the singer was dead."),
        # Affirmed, not called false; or a denial whose direction takes a parser.
        ("Doctors say the third breast is no hoax.", "A woman had surgery for a third breast."),
        ("The woman denies that her surgery was a hoax.", "The woman had an operation on Monday."),
    ],
)  # fmt: skip
def test_negation_not_calling_the_story_false(a: str, b: str) -> None:
    assert check_negation(a, b, 1.0) is None


# ---- certainty ---------------------------------------------------------------------------


def test_certainty_progress_vs_gaps() -> None:
    a = "Egyptian media reported significant progress in the talks."
    b = "Israeli officials said significant gaps still exist."
    finding = check_certainty(a, b)
    assert finding is not None
    assert finding.kind is Kind.CERTAINTY
    assert finding.spans_a == (span_in(a, "significant progress"),)
    assert finding.spans_b == (span_in(b, "significant gaps still exist"),)
    assert finding.note == "optimistic A vs cautionary B"
    assert finding.strength == pytest.approx(0.6)
    reverse = check_certainty(b, a)
    assert reverse is not None
    assert reverse.note == "cautionary A vs optimistic B"
    assert (reverse.spans_a, reverse.spans_b) == (finding.spans_b, finding.spans_a)


def test_certainty_more_hits_are_stronger() -> None:
    a = "Egyptian media reported significant progress and a breakthrough."
    b = "Israeli officials cited obstacles and disagreements."
    finding = check_certainty(a, b)
    assert finding is not None
    assert finding.spans_a == (span_in(a, "significant progress"), span_in(a, "breakthrough"))
    assert finding.spans_b == (span_in(b, "obstacles"), span_in(b, "disagreements"))
    assert finding.strength == pytest.approx(0.7)


def test_certainty_no_progress_is_cautionary() -> None:
    a = "There was no progress in the talks."
    b = "There was significant progress in the talks."
    finding = check_certainty(a, b)
    assert finding is not None
    assert finding.note == "cautionary A vs optimistic B"
    assert finding.spans_a == (span_in(a, "no progress"),)
    assert finding.spans_b == (span_in(b, "significant progress"),)


def test_certainty_negated_optimism_is_cautionary() -> None:
    a = "Talks made no significant progress."
    b = "Talks made significant progress."
    finding = check_certainty(a, b)
    assert finding is not None
    assert finding.note == "cautionary A vs optimistic B"
    assert finding.spans_a == (span_in(a, "significant progress"),)


def test_certainty_premature_optimism_is_cautionary() -> None:
    a = "Officials cautioned against premature optimism."
    b = "Officials expressed optimism."
    finding = check_certainty(a, b)
    assert finding is not None
    assert finding.note == "cautionary A vs optimistic B"
    assert span_in(a, "premature optimism") in finding.spans_a
    assert finding.spans_b == (span_in(b, "optimism"),)


def test_certainty_firm_vs_hedged() -> None:
    a = "The army confirmed the strike on Rafah."
    b = "The army reportedly carried out the strike on Rafah."
    finding = check_certainty(a, b)
    assert finding is not None
    assert finding.kind is Kind.CERTAINTY
    assert finding.note == "confirmed vs reportedly"
    assert finding.spans_a == (span_in(a, "confirmed"),)
    assert finding.spans_b == (span_in(b, "reportedly"),)
    assert finding.strength == pytest.approx(0.45)
    reverse = check_certainty(b, a)
    assert reverse is not None
    assert reverse.note == "reportedly vs confirmed"


def test_modal_strength_grows_with_the_distance_on_the_ladder() -> None:
    base = "the fire was {} caused by a faulty cable."
    strengths = []
    for other in ("likely", "possibly", "unlikely to have been"):
        finding = check_modal(base.format("certainly"), base.format(other))
        assert finding is not None
        strengths.append(finding.strength)
    assert strengths == sorted(strengths)
    assert strengths[0] < 0.5 < strengths[-1]


@pytest.mark.parametrize(
    ("a", "b", "rungs"),
    [
        ("It is likely the talks will fail.", "It is not likely the talks will fail.", "likely vs not likely"),
        ("The talks may not fail.", "The talks will certainly fail.", "may not vs certainly"),
        ("The talks could fail.", "It is impossible that the talks fail.", "could vs impossible"),
    ],
)  # fmt: skip
def test_modal_negated_forms(a: str, b: str, rungs: str) -> None:
    finding = check_modal(a, b)
    assert finding is not None
    assert finding.note == rungs


def test_modal_not_fired_by_a_month_or_by_two_rungs_in_one_claim() -> None:
    assert check_modal("The vote is in May.", "The vote is probably in June.") is None
    assert (
        check_modal(
            "Rebels probably shelled the town and may attack again.",
            "Rebels possibly shelled the town and may attack again.",
        )
        is None
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("There was progress in the talks.", "There was significant progress in the talks."),
        ("The army carried out the strike.", "The army carried out the strike."),
        ("Talks stalled in Cairo.", "Talks deadlocked over hostages."),
        ("The army reportedly struck Rafah.", "The army may have struck Rafah."),
    ],
)
def test_certainty_same_stance(a: str, b: str) -> None:
    assert check_certainty(a, b) is None


def test_certainty_month_may_is_not_a_hedge() -> None:
    a = "The army confirmed the strike on Rafah."
    b = "The strike on Rafah took place on May 5."
    assert check_certainty(a, b) is None


# ---- dates -------------------------------------------------------------------------------


def test_dates_of_speaking_are_ignored() -> None:
    a = "The minister said on Monday that the talks had stalled."
    b = "The mayor said on Friday that the talks had stalled."
    assert check_dates(a, b) is None
    a2 = "Talks stalled on Monday, the minister told reporters on Wednesday."
    b2 = "Talks stalled on Tuesday, the mayor announced Friday."
    finding = check_dates(a2, b2)
    assert finding is not None
    assert (finding.spans_a, finding.spans_b) == (
        (span_in(a2, "Monday"),),
        (span_in(b2, "Tuesday"),),
    )


def test_dates_weekdays_differ() -> None:
    a = "Talks resumed in Cairo on Monday."
    b = "Talks resumed in Cairo on Tuesday."
    finding = check_dates(a, b)
    assert finding is not None
    assert finding.kind is Kind.DATE
    assert finding.spans_a == (span_in(a, "Monday"),)
    assert finding.spans_b == (span_in(b, "Tuesday"),)
    assert finding.note == "Monday vs Tuesday"


def test_dates_days_differ() -> None:
    a = "Talks resumed on April 8."
    b = "Talks resumed on April 9."
    finding = check_dates(a, b)
    assert finding is not None
    assert finding.spans_a == (Span(17, 24, "April 8"),)
    assert finding.spans_b == (Span(17, 24, "April 9"),)


def test_dates_years_differ() -> None:
    a = "The war started in 2023."
    b = "The war started in 2022."
    finding = check_dates(a, b)
    assert finding is not None
    assert finding.spans_a == (span_in(a, "in 2023"),)
    assert finding.spans_b == (span_in(b, "in 2022"),)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Talks resumed on April 8.", "Talks resumed on 8 April 2024."),
        ("Talks resumed on April 8.", "Talks resumed on 2024-04-08."),
        ("Talks resumed on April 8th, 2024.", "Talks resumed on 8 April."),
        ("Talks resumed on Monday.", "Talks resumed on Monday."),
        ("Talks resumed on Monday.", "Talks resumed on April 9."),  # different granularity
        ("Talks resumed in Cairo.", "Talks resumed on Monday."),
    ],
)
def test_dates_that_agree(a: str, b: str) -> None:
    assert check_dates(a, b) is None


def test_dates_of_different_events_are_not_compared() -> None:
    assert check_dates("The singer died on March 3.", "The album came out on March 4.") is None


def test_dates_same_day_different_year() -> None:
    assert check_dates(
        "The attack began on October 7, 2023.", "The attack began on October 7, 2024."
    )


# ---- attribution -------------------------------------------------------------------------


def test_attribution_same_statement_different_speakers() -> None:
    a = "Hamas said the talks had stalled over the return of displaced Palestinians."
    b = "Israeli officials said the talks had stalled over the return of displaced Palestinians."
    finding = check_attribution(a, b, "Hamas", "Israeli officials")
    assert finding is not None
    assert finding.kind is Kind.ATTRIBUTION
    assert finding.spans_a == (Span(0, 5, "Hamas"),)
    assert finding.spans_b == (Span(0, 17, "Israeli officials"),)
    assert finding.note == "same statement, attributed to Hamas vs Israeli officials"


@pytest.mark.parametrize(
    ("a", "b", "speaker_a", "speaker_b"),
    [
        (
            "Hamas said the talks had stalled.",
            "Hamas said the talks had stalled.",
            "Hamas",
            "Hamas",
        ),
        (
            "Hamas said the talks had stalled.",
            "HAMAS said the talks had stalled.",
            "Hamas",
            "HAMAS",
        ),
        (
            "Hamas said the talks had stalled.",
            "Israel said a deal was close at hand now.",
            "Hamas",
            "Israel",
        ),
        ("Hamas said the talks had stalled.", "Israel said the talks had stalled.", None, "Israel"),
        (
            "Hamas said the talks had stalled.",
            "Israel said the talks had stalled.",
            "Qatar",
            "Israel",
        ),
        # One unnamed person, told two ways: no misattribution (seen on real wire copy).
        (
            "The missile hit a depot near the port, the official said.",
            "The missile hit a depot near the port, according to an official.",
            "the official",
            "an official",
        ),
        (
            "The missile hit a depot near the port, a senior security official said.",
            "The missile hit a depot near the port, a security official said.",
            "a senior security official",
            "a security official",
        ),
        # A fuller form of one name.
        (
            "Inspector Jane Doe said the two thefts were linked.",
            "Inspector Jane Doe of Kent Police said the two thefts were linked.",
            "Inspector Jane Doe",
            "Inspector Jane Doe of Kent Police",
        ),
    ],
)
def test_attribution_not_flagged(
    a: str, b: str, speaker_a: str | None, speaker_b: str | None
) -> None:
    assert check_attribution(a, b, speaker_a, speaker_b) is None


def test_agents_passive_against_active() -> None:
    a = "The bridge was blown up by army units."
    b = "The rebels sabotaged the bridge."
    finding = check_agents(a, b)
    assert finding is not None
    assert finding.kind is Kind.ATTRIBUTION
    assert finding.spans_a == (span_in(a, "army"),)
    assert finding.spans_b == (span_in(b, "rebels"),)
    assert finding.note == "done by army vs rebels"
    assert finding.strength == pytest.approx(0.65)
    assert check_attribution(a, b, None, None) == finding


def test_agents_claimed_and_blamed() -> None:
    a = "Hamas claimed responsibility for the rocket attack."
    b = "Israel blamed the rocket attack on Islamic Jihad."
    finding = check_agents(a, b)
    assert finding is not None
    assert finding.spans_a == (span_in(a, "Hamas"),)
    assert finding.spans_b == (span_in(b, "Islamic Jihad"),)
    assert finding.strength == pytest.approx(0.55)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The bridge was blown up by army units.", "Soldiers blew up the bridge."),
        ("Israeli forces shelled the school.", "The Israeli army shelled the school."),
        ("The convoy was attacked by rebels.", "Rebels kidnapped the driver."),
        ("The school was shelled by troops.", "The school was shelled by the military."),
    ],
)
def test_agents_that_agree(a: str, b: str) -> None:
    assert check_agents(a, b) is None


# ---- run_checks and combine --------------------------------------------------------------


def test_run_checks_finds_several_kinds_strongest_first() -> None:
    a = "Egyptian media said 40 people were killed on Monday and significant progress was made."
    b = "Israeli officials said 33 people were killed on Tuesday and no progress was made."
    findings = run_checks(a, b, overlap=0.5)
    kinds = {f.kind for f in findings}
    assert {Kind.NUMERIC, Kind.DATE, Kind.CERTAINTY} <= kinds
    strengths = [f.strength for f in findings]
    assert strengths == sorted(strengths, reverse=True)
    for finding in findings:
        assert_spans_point_into(finding, a, b)


def test_run_checks_on_identical_claims() -> None:
    text = "Israeli officials said 40 people were killed in Rafah on Monday."
    assert run_checks(text, text, overlap=1.0, speaker_a="Israeli officials") == []


def test_run_checks_passes_speakers_to_attribution() -> None:
    a = "Hamas said the talks had stalled over the return of displaced Palestinians."
    b = "Qatar said the talks had stalled over the return of displaced Palestinians."
    assert run_checks(a, b) == []
    findings = run_checks(a, b, speaker_a="Hamas", speaker_b="Qatar")
    assert [f.kind for f in findings] == [Kind.ATTRIBUTION]


def finding(strength: float, kind: Kind = Kind.NUMERIC) -> Finding:
    return Finding(kind, strength, (), (), "test")


def test_combine_noisy_or() -> None:
    assert combine([]) == 0.0
    assert combine([finding(0.6)]) == pytest.approx(0.6)
    assert combine([finding(0.5), finding(0.5)]) == pytest.approx(0.75)
    assert combine([finding(0.6), finding(0.55, Kind.DATE)]) == pytest.approx(1 - 0.4 * 0.45)
    assert combine([finding(1.0), finding(0.3)]) == pytest.approx(1.0)


def test_combine_never_decreases_and_stays_below_one() -> None:
    strengths = [0.3, 0.4, 0.55, 0.6, 0.9]
    totals = [combine([finding(s) for s in strengths[:n]]) for n in range(len(strengths) + 1)]
    assert totals == sorted(totals)
    assert all(0.0 <= t < 1.0 for t in totals)
    assert totals[-1] >= max(strengths)


# ---- Kind --------------------------------------------------------------------------------


def test_kind_accepts_plain_strings() -> None:
    assert Kind("numeric") is Kind.NUMERIC
    assert Kind("contradiction") is Kind.CONTRADICTION
    assert Kind.DATE == "date"
    assert str(Kind.CERTAINTY) == "certainty"
    assert f"{Kind.ATTRIBUTION}" == "attribution"
    assert {k.value for k in Kind} == {
        "numeric",
        "negation",
        "certainty",
        "date",
        "attribution",
        "edit",
        "contradiction",
    }
    with pytest.raises(ValueError):
        Kind("sarcasm")
