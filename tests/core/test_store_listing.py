"""The store listing's rules: the seller against the vendor (case, punctuation and legal
suffixes aside, never a shared word), the store's title against the app's name, the flags,
and which declared practice proposes which answer."""

from __future__ import annotations

import pytest

from vetting.core.store_listing import (
    StoreFlag,
    company_key,
    flags,
    lookup_problem,
    proposed_answers,
    same_app_name,
    same_company,
)


@pytest.mark.parametrize(
    ("seller", "vendor"),
    [
        ("Apple Inc.", "Apple"),
        ("Acme Health, L.L.C.", "ACME Health LLC"),
        ("Zoom Video Communications, Inc.", "Zoom Video Communications"),
        ("Johnson & Johnson", "Johnson and Johnson"),
        ("Example GmbH & Co. KG", "Example"),
        ("Widgets Pty Ltd", "widgets"),
        ("The Acme Company", "Acme"),
        ("Café Santé S.A.", "Cafe Sante"),
        ("Acme-Health Inc", "Acme Health"),
    ],
)
def test_the_same_company_written_differently_matches(seller: str, vendor: str) -> None:
    assert same_company(seller, vendor)


@pytest.mark.parametrize(
    ("seller", "vendor"),
    [
        ("Acme Software Inc.", "Acme Health LLC"),  # shares a word, not the company
        ("Acme Health Holdings Inc.", "Acme Health"),  # a holding is another legal entity
        ("Pineapple Inc.", "Apple Inc."),
        ("Acme", "Acme Health"),
        ("", "Acme"),
    ],
)
def test_a_seller_that_only_shares_a_word_does_not_match(seller: str, vendor: str) -> None:
    assert not same_company(seller, vendor)


def test_a_name_that_is_only_a_legal_form_is_kept() -> None:
    assert company_key("Co.") == "co"
    assert company_key("Apple,Inc.") == "apple"  # a comma separates; dots join


@pytest.mark.parametrize(
    ("stored", "title"),
    [
        ("Acme Camera", "Acme Camera"),
        ("ACME camera!", "Acme Camera"),
        ("Acme Messenger", "Acme Messenger: Care Team Chat"),
        ("Acme Messenger", "Acme Messenger - Care Team Chat"),
        ("Messenger", "Acme Messenger"),  # the vendor's name leading the store's title
        ("Acme Messenger", "Messenger"),
    ],
)
def test_the_store_title_naming_the_app_matches(stored: str, title: str) -> None:
    assert same_app_name(stored, title, ("Acme Health LLC", "Acme"))


@pytest.mark.parametrize(
    ("stored", "title"),
    [("Acme Camera", "Acme Messenger"), ("Acme Camera", "Camera Pro"), ("Acme Camera", "")],
)
def test_another_app_title_does_not_match(stored: str, title: str) -> None:
    assert not same_app_name(stored, title, ("Acme",))


def lookup_flags(**changes: object) -> list[str]:
    given: dict[str, object] = {
        "found": True,
        "store_label": "the App Store",
        "vendor_name": "Acme Health",
        "seller_name": "Acme Health, L.L.C.",
        "app_name": "Acme Camera",
        "title": "Acme Camera",
        "developer_name": "Acme",
    }
    given.update(changes)
    return [f.code for f in flags(**given)]  # type: ignore[arg-type]


def test_a_matching_listing_raises_no_flag() -> None:
    assert lookup_flags() == []


def test_a_seller_that_is_not_the_vendor_is_flagged_even_when_the_developer_is() -> None:
    assert lookup_flags(seller_name="Acme Software Inc.", developer_name="Acme Health") == [
        StoreFlag.SELLER_MISMATCH
    ]


def test_a_store_id_naming_another_app_is_flagged() -> None:
    assert lookup_flags(title="Acme Messenger") == [StoreFlag.NAME_MISMATCH]


def test_an_app_not_in_the_store_raises_that_flag_alone() -> None:
    assert lookup_flags(found=False, seller_name=None, title=None) == [StoreFlag.NOT_IN_STORE]


def test_unknown_seller_or_title_raises_nothing() -> None:
    assert lookup_flags(seller_name=None, title=None) == []


def test_encryption_in_transit_proposes_the_tls_answer() -> None:
    found = proposed_answers([("Data is encrypted in transit", "secure connection")])
    assert [(p.capability_key, p.value, p.description) for p in found] == [
        ("tls_in_transit", True, "secure connection")
    ]
    assert [p.value for p in proposed_answers([("Data isn’t encrypted", None)])] == [False]


def test_practices_no_capability_asks_about_propose_nothing() -> None:
    labels = ["You can request that data be deleted", "Independent security review"]
    assert proposed_answers((label, None) for label in labels) == []


def test_contradicting_practices_propose_nothing() -> None:
    labels = ["Data is encrypted in transit", "Data isn't encrypted"]
    assert proposed_answers((label, None) for label in labels) == []


@pytest.mark.parametrize(
    ("platform", "store_id", "words"),
    [("web", None, "web app"), ("ios", None, "no store ID"), ("android", "", "no store ID")],
)
def test_what_cannot_be_looked_up(platform: str, store_id: str | None, words: str) -> None:
    problem = lookup_problem(platform, store_id)
    assert problem is not None and words in problem
    assert lookup_problem("ios", "com.acme.camera") is None
