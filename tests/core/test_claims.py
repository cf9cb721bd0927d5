"""Claims on vendor pages (vetting.core.claims): each trap a careless extractor falls into, in
sentences written for these tests. A wrong `supports` is worse than a missed claim."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetting.core.claims import Signal, Stance, find_claims, fold, sentences

BAA = Signal(
    "baa_signed",
    ("business associate agreement", "sign a baa", "will sign a baa", "baa available"),
    ("we do not sign baas", "baa is not available"),
)
E2EE = Signal("end_to_end_encryption", ("end-to-end encryption", "end-to-end encrypted", "e2ee"))
REST = Signal("encryption_at_rest", ("encrypted at rest", "encryption at rest", "aes-256"))
SSO = Signal("sso_saml_oidc", ("single sign-on", "saml"), ("sso is not supported",))
MFA = Signal("mfa", ("multi-factor authentication", "mfa"))
ACCESS = Signal("rbac_admin_controls", ("role-based access",))
ALL = (BAA, E2EE, REST, SSO, MFA, ACCESS)


def claims(text: str, names: tuple[str, ...] = ("Lumen Health",)) -> list[tuple[str, str]]:
    return [(c.capability, str(c.stance)) for c in find_claims(text, ALL, names)]


def one(text: str, names: tuple[str, ...] = ("Lumen Health",)) -> tuple[str, str, str | None]:
    found = find_claims(text, ALL, names)
    assert len(found) == 1, found
    return found[0].capability, str(found[0].stance), found[0].condition


# --- plain claims -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We sign a BAA with every customer.", ("baa_signed", "supports")),
        ("We will sign BAAs with hospitals and clinics.", ("baa_signed", "supports")),
        ("Lumen Health signs a Business Associate Agreement.", ("baa_signed", "supports")),
        (
            "Messages are end‑to‑end encrypted on every device.",
            ("end_to_end_encryption", "supports"),
        ),
        ("Your photos are encrypted at rest with AES-256.", ("encryption_at_rest", "supports")),
        ("Sign in with SAML through your identity provider.", ("sso_saml_oidc", "supports")),
    ],
)
def test_a_plain_statement_supports(text: str, expected: tuple[str, str]) -> None:
    assert claims(text) == [expected]


def test_quote_is_the_text_between_its_offsets() -> None:
    text = (
        "Security at Lumen\n\nWe protect patient photos.  All data is encrypted at rest.\n"
        "We sign a BAA — “e.g.” for clinics. Messages are end‑to‑end encrypted!\n"
    )
    found = find_claims(text, ALL)
    assert [c.capability for c in found] == [
        "encryption_at_rest",
        "baa_signed",
        "end_to_end_encryption",
    ]
    for c in found:
        assert c.quote == text[c.start : c.end]
    assert found[0].quote == "All data is encrypted at rest."


def test_folding_keeps_the_length() -> None:
    text = "İstanbul — it’s “quoted”"
    assert len(fold(text)) == len(text)


def test_sentences_do_not_break_at_abbreviations_or_version_numbers() -> None:
    text = "We use TLS 1.3, e.g. for uploads, and more. Second sentence here, long enough."
    got = [s.text for s in sentences(text)]
    assert got == [
        "We use TLS 1.3, e.g. for uploads, and more.",
        "Second sentence here, long enough.",
    ]


# --- negation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We do not sign BAAs.",
        "We don't sign a BAA for any account.",
        "Lumen Health never signs a business associate agreement.",
        "A BAA is not available.",
        "Messages are not end-to-end encrypted.",
        "End-to-end encryption is not supported yet.",
        "We do not, for any customer on any plan or in any region, sign a BAA.",
        "Single sign-on is coming soon.",
        "SSO is not supported.",
    ],
)
def test_a_negation_denies(text: str) -> None:
    found = claims(text)
    assert found and all(stance == "denies" for _, stance in found), found


def test_a_negation_far_from_the_phrase_in_the_same_clause_still_denies() -> None:
    text = "We do not, under any circumstances and whatever the size of the practice, sign a BAA."
    assert claims(text) == [("baa_signed", "denies")]


def test_a_negation_in_another_clause_does_not_deny() -> None:
    text = "We do not sell your data to advertisers, but we do sign a BAA with every clinic."
    assert claims(text) == [("baa_signed", "supports")]
    text = "We never show ads; all photos are encrypted at rest."
    assert claims(text) == [("encryption_at_rest", "supports")]


@pytest.mark.parametrize(
    "text",
    [
        "We sign a BAA at no additional cost.",
        "We will sign a BAA, no exceptions.",
        "We sign a BAA and notify you no later than 72 hours after a breach.",
    ],
)
def test_words_with_no_that_do_not_negate(text: str) -> None:
    assert claims(text) == [("baa_signed", "supports")]


# --- conditions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, condition",
    [
        ("BAA available on the Enterprise plan.", "on the Enterprise plan"),
        ("We sign a BAA for Business tier and above.", "for Business tier and above"),
        (
            "A business associate agreement is provided where included in your order.",
            "where included",
        ),
        ("We sign a BAA upon request.", "upon request"),
        ("End-to-end encryption is available as an add-on.", "as an add-on"),
    ],
)
def test_a_condition_makes_a_claim_conditional(text: str, condition: str) -> None:
    _, stance, cond = one(text)
    assert stance == "conditional"
    assert cond == condition


def test_a_tier_named_only_in_the_heading_conditions_the_section() -> None:
    text = (
        "Enterprise features\n"
        "Every message is end-to-end encrypted and we sign a BAA.\n"
        "Security overview\n"
        "Photos are encrypted at rest.\n"
    )
    found = find_claims(text, ALL)
    assert [(c.capability, str(c.stance), c.condition) for c in found] == [
        ("baa_signed", "conditional", "Enterprise features"),
        ("end_to_end_encryption", "conditional", "Enterprise features"),
        ("encryption_at_rest", "supports", None),
    ]


def test_denies_wins_over_a_condition() -> None:
    _, stance, cond = one("We do not sign a BAA on the Starter plan.")
    assert stance == "denies"
    assert cond is None  # "Starter" is not a tier that grants it


def test_a_negation_with_an_exception_is_conditional() -> None:
    _, stance, cond = one("We do not sign BAAs except for Enterprise customers.")
    assert stance == "conditional"
    assert cond == "except for Enterprise customers"


def test_a_negation_with_a_plan_condition_still_denies() -> None:
    _, stance, cond = one("A BAA is not available on the Business plan.")
    assert (stance, cond) == ("denies", "on the Business plan")


# --- other subjects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "WhatsApp offers end-to-end encryption but no BAA.",
        "Google Cloud, which is encrypted at rest, hosts our servers.",
        "AWS signs a business associate agreement with its customers.",
        "Several providers decline to sign a BAA.",
        "Many consumer apps are end-to-end encrypted.",
        "Apple's iMessage is end-to-end encrypted.",
        "iMessage is end-to-end encrypted.",
        "Our hosting provider signs a BAA with us.",
        "Our subprocessors are encrypted at rest.",
    ],
)
def test_another_subject_makes_no_claim(text: str) -> None:
    assert claims(text) == []


def test_a_subprocessor_table_makes_no_claim() -> None:
    text = (
        "Subprocessors\n"
        "Name | Purpose | Notes\n"
        "Northwind Cloud | Hosting | HIPAA-eligible, encrypted at rest, signs a BAA\n"
    )
    assert claims(text) == []


def test_the_vendor_speaking_after_another_subject_is_the_vendor() -> None:
    text = "Unlike WhatsApp, we sign a BAA with every clinic."
    assert claims(text) == [("baa_signed", "supports")]


# --- questions and advice -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Does the vendor sign a BAA?",
        "Will you sign a business associate agreement?",
        "Is my data encrypted at rest?",
        "What does HIPAA require? End-to-end encryption, audit logs and access reviews.",
        "What HIPAA requires\nEnd-to-end encryption and MFA for every user.\n",
        "HIPAA requires a business associate agreement with every vendor.",
        "Look for end-to-end encryption and MFA when you choose an app.",
        "You should ask the vendor for a BAA before sharing PHI.",
        "The proposed rule will require encryption at rest for all ePHI.",
        "HIPAA's rules ask for encryption at rest.",
    ],
)
def test_questions_and_advice_make_no_claim(text: str) -> None:
    assert claims(text) == []


def test_the_answer_to_a_question_put_to_the_vendor_is_its_claim() -> None:
    text = "Do you sign a BAA? Yes: Lumen Health will sign a BAA with any covered entity."
    assert claims(text) == [("baa_signed", "supports")]


def test_the_answer_to_a_general_question_is_advice_until_the_vendor_speaks() -> None:
    text = (
        "Why does encryption matter? Photos encrypted at rest are safe if a disk is stolen. "
        "That is why we encrypt everything at rest with AES-256."
    )
    assert claims(text) == [("encryption_at_rest", "supports")]


def test_the_page_yielding_to_the_contract_is_no_claim() -> None:
    text = "Where this page and the Business Associate Agreement conflict, the agreement controls."
    assert claims(text) == []


# --- carve-outs and temporary negations ---------------------------------------------------


def test_a_carve_out_is_conditional_naming_what_it_excludes() -> None:
    _, stance, cond = one("Beta services are not covered by the Business Associate Agreement.")
    assert stance == "conditional"
    assert cond == "excludes Beta services"


def test_a_carve_out_in_short_form_makes_no_claim() -> None:
    assert claims("Beta services are not covered by the BAA.") == []


def test_a_temporary_negation_denies_for_now() -> None:
    assert claims("Business associate agreements are not yet available (in progress).") == [
        ("baa_signed", "denies")
    ]


# --- the careless extractor's five ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We do not sign BAAs.",
        "BAA available on Enterprise plan.",
        "WhatsApp offers e2ee.",
        "Does the vendor sign a BAA?",
        "Beta services are not covered by the business associate agreement.",
    ],
)
def test_never_supports(text: str) -> None:
    assert all(stance != Stance.SUPPORTS for _, stance in claims(text)), claims(text)


def test_one_claim_per_sentence_and_capability() -> None:
    text = "We sign a BAA; our business associate agreement covers every app."
    assert claims(text) == [("baa_signed", "supports")]


def test_a_negation_phrase_negated_again_is_no_denial() -> None:
    rest = Signal("encryption_at_rest", ("encrypted at rest",), ("stored unencrypted",))
    text = "Data is never stored unencrypted; everything is encrypted at rest."
    assert [(c.capability, str(c.stance)) for c in find_claims(text, [rest])] == [
        ("encryption_at_rest", "supports")
    ]
    found = find_claims("No, we do not sign BAAs.", [BAA])
    assert [str(c.stance) for c in found] == ["denies"]


def test_one_sentence_saying_yes_and_no_is_a_denial() -> None:
    text = "We offer single sign-on for staff, but single sign-on is not supported for patients."
    assert claims(text) == [("sso_saml_oidc", "denies")]


FRAGMENTS = [
    "We sign a BAA", "we do not sign BAAs", " on the Enterprise plan", "WhatsApp offers e2ee",
    "Does the vendor sign a BAA?", "Beta services are not covered by the business associate "
    "agreement", "end‑to‑end encrypted", ". ", "! ", "? ", "\n", "\n\n", " | ", "• ", "e.g. ",
    "İstanbul ", "“quoted” ", "it’s ", "   ", "Enterprise features\n", "HIPAA requires ",
    "but ", "; ", "SSO", "MFA ", "1.2 ", "\t", "\r\n",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_every_quote_is_its_offsets_text_whatever_the_text(parts: list[str]) -> None:
    text = "".join(parts)
    for c in find_claims(text, ALL, ("Lumen Health",)):
        assert text[c.start : c.end] == c.quote
        assert c.quote.strip() == c.quote and c.quote


def test_a_vendor_name_counts_as_whole_words_only() -> None:
    """An app named "Web" does not make every sentence with "website" the vendor speaking."""
    text = "As the website explains, HIPAA requires encryption at rest."
    assert [c.capability for c in find_claims(text, ALL, ("Web", "Lumen Health"))] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Do you sign a BAA? Yes.", ("supports", None)),
        ("Do you sign a BAA?\nYes, on the Team plan.\n", ("conditional", "on the Team plan")),
        ("Does Lumen Health sign a BAA? No.", ("denies", None)),
        ("Is your data encrypted at rest? It is, always.", ("supports", None)),
        ("Do you sign a BAA? We do not.", ("denies", None)),
    ],
)  # fmt: skip
def test_a_short_answer_to_a_question_put_to_the_vendor_is_its_claim(
    text: str, expected: tuple[str, str | None]
) -> None:
    found = find_claims(text, ALL, ("Lumen Health",))
    assert [(str(c.stance), c.condition) for c in found] == [expected]
    c = found[0]
    assert text[c.start : c.end] == c.quote and c.quote.startswith(("Do", "Is"))


@pytest.mark.parametrize(
    "text",
    [
        "Does the vendor sign a BAA? Yes.",  # a general question: advice follows
        "Do you sign a BAA? We are working on it.",  # no yes
        "Do you sign a BAA? Yes, but not yet.",  # yes, then a negation
        "Does WhatsApp sign a BAA? No.",  # not put to the vendor
        "Do you sign a BAA?\nSecurity\nYes.\n",  # a heading between: no answer
    ],
)
def test_no_claim_from_an_answer_that_is_not_a_clear_yes_or_no_to_the_vendor(text: str) -> None:
    assert claims(text) == []
