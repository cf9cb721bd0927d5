"""Required BAA provisions: the shipped catalogue, what makes a BAA non-conforming, when an
exception counts, and what scope and conformance do to the approved list."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.core.test_allowlist import ACME, AS_OF, app, baa, compute, decision, only_reason
from vetting.core.baa_provisions import (
    KIND,
    ExceptionWindow,
    ProvisionsError,
    counts,
    excepted,
    gaps,
    load,
    parse,
    validate_exception,
    validate_provision,
)
from vetting.core.breach import clause_of
from vetting.core.checklist import load_directory

D = date.fromisoformat
SHIPPED = Path(__file__).resolve().parents[2] / "checklists"
CATALOGUE = load(SHIPPED / "baa" / "provisions.toml")


def test_the_shipped_catalogue_names_every_required_provision_with_its_citation() -> None:
    assert set(CATALOGUE.keys) == {
        "permitted_uses",
        "safeguards",
        "report_non_permitted",
        "report_security_incidents",
        "report_breaches",
        "subcontractors",
        "access",
        "amendment",
        "accounting",
        "hhs_access",
        "return_or_destroy",
        "termination",
    }
    assert all(p.citation.startswith("45 CFR 164.") and p.question for p in CATALOGUE.provisions)
    assert CATALOGUE.breach_max_days == 60


def test_the_capability_checklist_loader_never_reads_the_provisions_file() -> None:
    assert set(load_directory(SHIPPED)) == {"clinical-photo", "secure-messaging"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[provision]]\nkey = "a"', f'needs kind = "{KIND}"'),
        (f'kind = "{KIND}"', "at least one [[provision]]"),
        (f'kind = "{KIND}"\n[[provision]]\nkey = "a"\ntitle = "t"\ncitation = "c"', "question"),
        (
            f'kind = "{KIND}"\n[[provision]]\nkey = "a"\ntitle = "t"\ncitation = "c"\n'
            'question = "q"\nweight = 3',
            "unknown field(s) weight",
        ),
        ("kind = ", "not valid TOML"),
    ],
)
def test_a_broken_provisions_file_is_refused_naming_why(text: str, message: str) -> None:
    with pytest.raises(ProvisionsError, match=re.escape(message)):
        parse(text, "p.toml")


def test_absent_provisions_and_a_long_breach_deadline_are_the_gaps() -> None:
    assert gaps(CATALOGUE, [], None) == ()
    assert gaps(CATALOGUE, [], 60) == ()
    assert gaps(CATALOGUE, ["subcontractors"], 10) == (
        "lacks subcontractor flow-down — 45 CFR 164.504(e)(2)(ii)(D); 164.314(a)(2)(i)(B)",
    )
    found = gaps(CATALOGUE, ["termination", "no_longer_listed"], 61)
    assert found[0].startswith("lacks termination for material breach — 45 CFR 164.504(e)(2)(iii)")
    assert found[1].startswith("allows 61 days to report a breach (more than 60)")


def test_the_quick_answer_for_a_conforming_agreement_still_sees_every_gap() -> None:
    """No provision absent and a deadline within the limit is answered without looking
    further; a deadline past the catalogue's own limit (not the legal 60), or absent keys
    given as a one-pass iterable, still count."""
    stricter = replace(
        CATALOGUE,
        provisions=tuple(
            replace(p, max_days=30) if p.key == "report_breaches" else p
            for p in CATALOGUE.provisions
        ),
    )
    assert stricter.breach_max_days == 30 and CATALOGUE.breach_max_days == 60
    assert gaps(stricter, [], 30) == ()
    assert gaps(stricter, [], 45)[0].startswith("allows 45 days to report a breach (more than 30)")
    assert gaps(CATALOGUE, [], 45) == ()
    assert gaps(CATALOGUE, [], 61)[0].startswith("allows 61 days to report a breach")
    unstated = clause_of(None, None, None, None, "notice without undue delay", False)
    assert unstated is not None and unstated["days"] == 60
    assert gaps(CATALOGUE, [], 60, unstated) == ()  # the legal maximum: within the law's 60
    assert gaps(stricter, [], 60, unstated)[0].startswith("states no breach deadline")
    assert gaps(CATALOGUE, iter(["subcontractors"]), None) == (
        "lacks subcontractor flow-down — 45 CFR 164.504(e)(2)(ii)(D); 164.314(a)(2)(i)(B)",
    )
    assert CATALOGUE.get("subcontractors") is not None and CATALOGUE.get("nope") is None


def test_not_reviewed_provisions_count_but_never_make_a_gap() -> None:
    statuses = {"access": "present", "termination": "absent"}
    assert counts(statuses, CATALOGUE) == {"present": 1, "absent": 1, "not_reviewed": 10}


def test_a_present_provision_needs_a_quote_or_a_section() -> None:
    assert validate_provision("present", None, "  ") == [
        ("quote", "a present provision needs the clause quoted or its section named")
    ]
    assert validate_provision("present", None, "§4.2") == []
    assert validate_provision("absent", None, None) == []
    assert validate_provision("maybe", None, None)[0][0] == "status"


def test_an_exception_counts_from_its_confirmation_through_its_end() -> None:
    w = ExceptionWindow(D("2026-05-10"), D("2026-06-30"))
    assert not w.counts_on(D("2026-05-09"))
    assert w.counts_on(D("2026-05-10")) and w.counts_on(D("2026-06-30"))
    assert not w.counts_on(D("2026-07-01"))  # expired
    assert not ExceptionWindow(None, D("2026-12-31")).counts_on(D("2026-06-01"))  # unconfirmed
    assert excepted([ExceptionWindow(None, D("2027-01-01")), w], D("2026-06-01"))


def test_an_exception_needs_a_reason_and_an_end_date_not_in_the_past() -> None:
    today = D("2026-06-01")
    assert [f for f, _ in validate_exception("", None, today)] == ["reason", "ends_on"]
    assert validate_exception("vendor signs the amended BAA in Q3", D("2026-05-31"), today) == [
        ("ends_on", "must be today or later")
    ]
    assert validate_exception("vendor signs the amended BAA in Q3", today, today) == []


# --- the approved list ------------------------------------------------------------------------


def test_a_baa_naming_other_products_does_not_cover_the_app() -> None:
    scoped = replace(baa(), all_products=False, app_ids=frozenset({11}))
    assert only_reason(compute(baas={ACME: [scoped]})) == "no BAA with Acme covers App 10"
    both = compute(
        apps=[app(10), app(11)],
        decisions={10: decision(), 11: decision()},
        baas={ACME: [scoped]},
    )
    assert [e.app_id for e in both.entries] == [11]


def test_an_older_baa_in_force_that_covers_the_app_keeps_it_on() -> None:
    old = baa(1, effective="2025-01-01")
    newer = replace(baa(2, effective="2026-01-01"), all_products=False, app_ids=frozenset({11}))
    result = compute(baas={ACME: [old, newer]})
    assert [e.baa_id for e in result.entries] == [1]


def test_a_non_conforming_baa_takes_its_apps_off_with_the_reason_in_words() -> None:
    gap = "lacks subcontractor flow-down — 45 CFR 164.504(e)(2)(ii)(D)"
    bad = replace(baa(), gaps=(gap,))
    assert only_reason(compute(baas={ACME: [bad]})) == f"BAA with Acme {gap}"


def test_a_confirmed_exception_keeps_the_apps_on_until_it_ends() -> None:
    bad = replace(
        baa(),
        gaps=("lacks access — 45 CFR 164.524",),
        exceptions=(ExceptionWindow(D("2026-05-01"), D("2026-06-15")),),
    )
    on = compute(baas={ACME: [bad]})
    assert on.entries and "under a confirmed exception" in on.entries[0].reason
    assert only_reason(compute(D("2026-06-16"), baas={ACME: [bad]})).startswith(
        "BAA with Acme lacks access"
    )
    unconfirmed = replace(bad, exceptions=(ExceptionWindow(None, D("2026-12-31")),))
    assert not compute(AS_OF, baas={ACME: [unconfirmed]}).entries
