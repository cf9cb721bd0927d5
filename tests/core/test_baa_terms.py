"""Reading a BAA's terms from its text (vetting/core/baa_terms.py): each unit and number form,
and the traps a careless reader falls into. Every clause here is the tests' own wording."""

from __future__ import annotations

from datetime import date

import pytest

from vetting.core.baa_terms import extract, number_in_words, sentences

PARTIES = (
    "This Business Associate Agreement is made as of the date of the last signature by and "
    'between Harbor Family Practice, a Vermont professional corporation ("Covered Entity"), '
    'and Quillon Software, Inc. ("Business Associate").'
)


def breach(text: str) -> dict:
    return extract(text).as_json()["breach_notification"]


@pytest.mark.parametrize(
    ("clause", "value", "unit", "days"),
    [
        ("within five (5) business days after discovery", 5, "business_days", 7),
        ("within 5 business days of discovery", 5, "business_days", 7),
        ("within five business days of discovery", 5, "business_days", 7),
        ("within seventy-two (72) hours of discovery", 72, "hours", 3),
        ("within 24 hours of discovery", 24, "hours", 1),
        ("within ten (10) calendar days of discovery", 10, "calendar_days", 10),
        ("no later than thirty (30) days after discovery", 30, "calendar_days", 30),
        ("within two (2) working days after discovery", 2, "business_days", 4),
        ("within 48 hrs of discovery", 48, "hours", 2),
        ("within twenty-one (21) days following discovery", 21, "calendar_days", 21),
    ],
)
def test_each_number_form_and_unit_converts_to_worst_case_calendar_days(clause, value, unit, days):
    got = breach(f"Business Associate shall notify Covered Entity of any Breach {clause}.")
    assert (got["value"], got["unit"], got["days"], got["unstated"]) == (value, unit, days, False)
    assert got["trigger"] == "discovery"
    assert clause in got["quote"]


def test_same_business_day_is_one_business_day():
    got = breach(
        "The Business Associate will report each Breach to Covered Entity on the same "
        "business day that it learns of the Breach."
    )
    assert (got["value"], got["unit"], got["days"]) == (1, "business_days", 3)
    assert got["qualifier"] == "the same business day"
    assert got["trigger_words"] == "learns of"


@pytest.mark.parametrize(
    ("wording", "trigger", "words"),
    [
        ("after discovery of the Breach", "discovery", "discovery"),
        ("after it learns of the Breach", "discovery", "learns of"),
        ("after becoming aware of the Breach", "discovery", "becoming aware"),
        ("after its determination that a Breach occurred", "confirmation", "determination"),
        ("", "unspecified", None),
    ],
)
def test_the_clock_trigger_is_kept_as_written(wording, trigger, words):
    got = breach(
        f"Business Associate shall report any Breach to Covered Entity within 10 days {wording}."
    )
    assert (got["trigger"], got["trigger_words"]) == (trigger, words)


@pytest.mark.parametrize(
    "clause",
    [
        "Business Associate shall report any Breach to Covered Entity without unreasonable delay.",
        "Business Associate shall report any Breach to Covered Entity without reasonable delay.",
        "Business Associate shall notify Covered Entity of a Breach as required by 45 C.F.R. "
        "§ 164.410.",
        "Business Associate shall promptly notify Covered Entity of any Breach.",
    ],
)
def test_a_clause_with_no_number_is_unstated_not_sixty_as_stated(clause):
    got = breach(clause)
    assert got["unstated"] is True
    assert got["value"] is None and got["unit"] is None
    assert got["days"] == 60
    assert got["quote"] == clause


def test_a_stated_sixty_is_stated():
    got = breach(
        "Business Associate shall notify Covered Entity of a Breach without unreasonable delay "
        "and in no case later than sixty (60) calendar days after discovery."
    )
    assert (got["value"], got["unstated"], got["days"]) == (60, False, 60)
    assert got["qualifier"] == "in no case later than"


def test_a_subcontractor_deadline_to_the_business_associate_is_not_a_conflict():
    text = (
        f"{PARTIES}\n\n"
        "3.1 Business Associate shall notify Covered Entity of any Breach of Unsecured PHI "
        "within sixty (60) days after discovery.\n\n"
        "3.2 Business Associate shall require each of its subcontractors to report any Breach "
        "to Business Associate within five (5) business days of discovering it."
    )
    got = extract(text).as_json()
    assert got["breach_notification"]["value"] == 60
    assert got["breach_notification"]["direction"] == "business_associate_to_covered_entity"
    assert got["subcontractor_notification"]["value"] == 5
    assert got["subcontractor_notification"]["direction"] == "subcontractor_to_business_associate"
    assert got["conflicts"] == []


def test_a_subcontractor_as_subject_reports_to_the_business_associate():
    got = extract(
        "Business Associate shall notify Covered Entity of a Breach within ten (10) days. "
        "Any subcontractor shall notify Business Associate of a Breach within 2 days."
    ).as_json()
    assert got["breach_notification"]["value"] == 10
    assert got["subcontractor_notification"]["value"] == 2
    assert got["conflicts"] == []


def test_two_deadlines_for_the_same_notice_are_a_conflict_with_both_quotes():
    first = "Business Associate shall report any Breach to Covered Entity within ten (10) days."
    second = (
        "Business Associate must notify Covered Entity of a Breach no later than fifteen (15) "
        "days after discovery."
    )
    got = extract(f"2. {first}\n\n7. {second}").as_json()
    (conflict,) = got["conflicts"]
    assert conflict["field"] == "breach_notification"
    assert len(conflict["quotes"]) == 2
    assert first in conflict["quotes"][0] and second in conflict["quotes"][1]
    assert got["breach_notification"]["value"] == 15  # the worst case is suggested


def test_the_same_deadline_said_twice_is_no_conflict():
    got = extract(
        "Business Associate shall report any Breach to Covered Entity within 72 hours. "
        "Business Associate shall notify Covered Entity of a Breach within three (3) calendar "
        "days."
    ).as_json()
    assert got["conflicts"] == []


def test_separate_security_incident_and_breach_deadlines_are_not_a_conflict():
    got = extract(
        "Business Associate shall report to Covered Entity any Security Incident of which it "
        "becomes aware within five (5) business days. Business Associate shall notify Covered "
        "Entity of any Breach of Unsecured PHI within thirty (30) days after discovery."
    ).as_json()
    assert got["breach_notification"]["value"] == 30
    assert got["security_incident_notification"]["value"] == 5
    assert got["security_incident_notification"]["unit"] == "business_days"
    assert got["conflicts"] == []


def test_a_security_incident_deadline_in_the_breach_clause_is_not_separate():
    got = extract(
        "Business Associate shall report any Breach or Security Incident to Covered Entity "
        "within 10 days of discovery."
    ).as_json()
    assert got["breach_notification"]["value"] == 10
    assert got["security_incident_notification"] is None


def test_a_number_of_another_clause_in_the_same_sentence_is_not_the_deadline():
    got = breach(
        "Business Associate shall notify Covered Entity of any Breach as required by law and "
        "shall retain documentation of each notice for six (6) years."
    )
    assert got["unstated"] is True
    got = breach(
        "Business Associate shall report any Breach to Covered Entity within 24 hours of "
        "discovery and shall retain each report for six (6) years."
    )
    assert (got["value"], got["unit"], got["days"]) == (24, "hours", 1)


def test_a_material_breach_of_the_agreement_is_not_a_phi_breach():
    got = extract(
        "Covered Entity may terminate this Agreement if Business Associate materially breaches "
        "it and fails to cure the breach within thirty (30) days of notice. If either party "
        "commits a breach of this Agreement, the other party shall give notice within 15 days."
    ).as_json()
    assert got["breach_notification"] is None
    assert got["termination_for_cause"]["present"] is True


def test_a_written_report_after_the_first_notice_is_not_the_deadline():
    got = breach(
        "Business Associate shall notify Covered Entity of a Breach within forty-eight (48) "
        "hours of discovery and shall deliver a written report describing the Breach within "
        "thirty (30) days."
    )
    assert (got["value"], got["unit"]) == (48, "hours")


def test_such_notice_takes_the_event_of_the_sentence_before():
    got = breach(
        "Business Associate shall notify Covered Entity of any Breach of Unsecured PHI. Such "
        "notice shall be given no later than 5 business days after discovery."
    )
    assert (got["value"], got["unit"]) == (5, "business_days")
    assert got["quote"].startswith("Such notice")


def test_notices_to_individuals_are_not_the_business_associates_deadline():
    got = extract(
        "Business Associate shall notify Covered Entity of a Breach within 5 days. Covered "
        "Entity shall notify affected individuals of the Breach within 60 days."
    ).as_json()
    assert got["breach_notification"]["value"] == 5
    assert got["conflicts"] == []


def test_words_and_digits_that_disagree_are_flagged():
    got = extract(
        "Business Associate shall report any Breach to Covered Entity within ten (15) days."
    )
    assert [c.field for c in got.conflicts] == ["breach_notification"]


def test_dates_effective_and_expiration_where_concrete():
    got = extract(
        f"{PARTIES} This Agreement is effective as of March 1, 2025 and shall remain in effect "
        "until 28 February 2027."
    )
    assert got.effective_date is not None and got.effective_date.value == date(2025, 3, 1)
    assert got.expiration_date is not None and got.expiration_date.value == date(2027, 2, 28)
    assert "effective as of March 1, 2025" in got.effective_date.quote


def test_effective_date_label_after_the_date():
    got = extract('This Agreement is entered into on 2025-06-15 (the "Effective Date").')
    assert got.effective_date is not None and got.effective_date.value == date(2025, 6, 15)


def test_dates_that_are_not_concrete_are_not_reported():
    got = extract(
        "This Agreement is effective as of the date of the last signature below and remains in "
        "effect until the Services Agreement ends. Business Associate shall retain records "
        "dated on or after January 5, 2024."
    )
    assert got.effective_date is None and got.expiration_date is None


def test_parties_with_their_roles():
    got = extract(PARTIES).as_json()["parties"]
    assert got == [
        {"name": "Harbor Family Practice", "label": "Covered Entity", "role": "covered_entity"},
        {
            "name": "Quillon Software, Inc.",
            "label": "Business Associate",
            "role": "business_associate",
        },
    ]


def test_a_defined_label_counts_as_the_business_associate():
    got = extract(
        'This agreement is between Pinecrest Hospital ("Customer") and Tallow Labs ("Vendor"). '
        "Tallow Labs shall require its subcontractors to notify Vendor of any Breach within "
        "one (1) business day. Vendor shall notify Customer of any Breach within four (4) days."
    ).as_json()
    assert got["breach_notification"]["value"] == 4
    assert got["subcontractor_notification"]["value"] == 1
    assert got["conflicts"] == []


def test_flow_down_return_destroy_with_infeasibility_term_and_renewal():
    got = extract(
        "Business Associate shall ensure that any subcontractors that receive PHI agree in "
        "writing to the same restrictions and conditions that apply to Business Associate. "
        "Upon termination of this Agreement, Business Associate shall return or destroy all "
        "PHI. If return or destruction is infeasible, Business Associate shall extend the "
        "protections of this Agreement to that PHI. The term of this Agreement is one year and "
        "it shall automatically renew for successive one-year terms."
    ).as_json()
    assert got["subcontractor_flow_down"]["present"] is True
    assert "same restrictions" in got["subcontractor_flow_down"]["quote"]
    assert got["return_or_destroy"]["present"] is True
    assert got["return_or_destroy"]["infeasibility_extension"]["present"] is True
    assert got["term"]["present"] is True and got["term"]["auto_renews"] is True


def test_provisions_use_the_catalogues_names_and_absent_ones_have_no_quote():
    got = extract(
        "Business Associate shall make available to the Secretary its internal practices, books "
        "and records relating to PHI. Business Associate shall provide an accounting of "
        "disclosures as required by 45 C.F.R. 164.528.",
        ["hhs_access", "accounting", "amendment", "unknown_key"],
    ).as_json()["provisions"]
    assert set(got) == {"hhs_access", "accounting", "amendment"}
    assert got["hhs_access"]["present"] and got["accounting"]["present"]
    assert got["amendment"] == {"present": False, "quote": None}


def test_json_shape():
    got = extract(
        "Business Associate shall report a Breach to Covered Entity within 3 days."
    ).as_json()
    for key in (
        "breach_notification",
        "security_incident_notification",
        "subcontractor_flow_down",
        "return_or_destroy",
        "provisions",
        "conflicts",
        "effective_date",
        "expiration_date",
        "parties",
    ):
        assert key in got
    assert set(got["breach_notification"]) >= {
        "days",
        "value",
        "unit",
        "trigger",
        "unstated",
        "quote",
    }


def test_nothing_found_in_text_without_a_breach_clause():
    got = extract("This page intentionally left blank.").as_json()
    assert got["breach_notification"] is None
    assert got["conflicts"] == []


@pytest.mark.parametrize(
    ("words", "n"),
    [
        ("five", 5),
        ("seventy-two", 72),
        ("twenty four", 24),
        ("one hundred and twenty", 120),
        ("x", None),
    ],
)
def test_numbers_in_words(words, n):
    assert number_in_words(words) == n


def test_sentences_keep_citations_and_section_numbers_together():
    got = [
        s.text
        for s in sentences("Comply with 45 C.F.R. 164.410. Next one (a). Then 2.\n\n3.1 Last.")
    ]
    assert got == ["Comply with 45 C.F.R. 164.410.", "Next one (a). Then 2.", "3.1 Last."]


def test_a_separate_deadline_for_non_permitted_uses_is_not_a_conflict():
    got = extract(
        "Business Associate shall notify Covered Entity of a Breach within 5 days. Business "
        "Associate shall report any use or disclosure not permitted by this Agreement within 15 "
        "days."
    ).as_json()
    assert got["breach_notification"]["value"] == 5
    assert got["non_permitted_use_notification"]["value"] == 15
    assert got["conflicts"] == []
