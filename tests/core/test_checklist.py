"""Checklist format: the shipped files, refusal of bad files, and answer normalisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vetting.core.checklist import (
    NA,
    AnswerValueError,
    Checklist,
    ChecklistError,
    load_checklist,
    load_directory,
    parse_checklist,
    parse_days,
)

from .builders import DROP, MUST_GATE, cap, checklist_text, gated_caps, loadable_text

CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"
SHIPPED_IDS = ("clinical-photo", "secure-messaging")

# The topics issue 2 requires of every shipped checklist: one key per topic, plus keys that
# differ by checklist (gallery bypass, metadata stripping, filing to the record).
COMMON_KEYS = (
    "baa_signed",
    "breach_notification_days",
    "subcontractor_flow_down",
    "return_or_destroy_at_termination",
    "end_to_end_encryption",
    "key_custody",
    "encryption_at_rest",
    "tls_in_transit",
    "sso_saml_oidc",
    "mfa",
    "mdm_app_protection",
    "remote_wipe",
    "configurable_retention",
    "legal_hold",
    "export_controls",
    "audit_logging",
    "rbac_admin_controls",
    "screenshot_copy_paste_restriction",
    "no_consumer_cloud_backup",
    "unique_user_ids",
    "automatic_logoff",
)
SPECIFIC_KEYS = {
    "clinical-photo": ("gallery_bypass", "metadata_stripping", "auto_upload_confirmed_delivery"),
    "secure-messaging": (
        "attachments_stay_in_app",
        "attachment_metadata_stripping",
        "record_filing_confirmed_delivery",
    ),
}


@pytest.fixture(scope="module")
def shipped() -> dict[str, Checklist]:
    return load_directory(CHECKLISTS)


def test_shipped_checklists_all_load(shipped: dict[str, Checklist]) -> None:
    assert set(SHIPPED_IDS) <= set(shipped)
    for cid, checklist in shipped.items():
        assert checklist.id == cid
        assert checklist.version
        assert 0 <= checklist.conditional_at <= checklist.approve_at <= 100
        assert len(checklist.sha256) == 64


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_shipped_checklist_has_at_least_eighteen_capabilities(
    shipped: dict[str, Checklist], cid: str
) -> None:
    assert len(shipped[cid].capabilities) >= 18


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_every_shipped_capability_cites_a_reference(
    shipped: dict[str, Checklist], cid: str
) -> None:
    for capability in shipped[cid].capabilities:
        assert capability.references, capability.key
        assert all(ref.strip() for ref in capability.references), capability.key


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_shipped_checklist_covers_every_required_topic(
    shipped: dict[str, Checklist], cid: str
) -> None:
    missing = [k for k in (*COMMON_KEYS, *SPECIFIC_KEYS[cid]) if shipped[cid].capability(k) is None]
    assert missing == []


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_shipped_checklist_cites_the_hipaa_sections_named_in_the_issue(
    shipped: dict[str, Checklist], cid: str
) -> None:
    refs = {r for c in shipped[cid].capabilities for r in c.references}
    text = " | ".join(sorted(refs))
    for cited in (
        "164.504(e)(2)(ii)(C)",
        "164.410(b)",
        "164.312(a)(1)",
        "164.312(b)",
        "164.312(e)(1)",
        "NIST SP 800-163r1",
        "OWASP MASVS-STORAGE",
        "OWASP MASVS-AUTH",
        "OWASP MASVS-NETWORK",
    ):
        assert cited in text, cited


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_breach_notification_days_is_a_gate_with_sixty_unstated_and_four_credit_steps(
    shipped: dict[str, Checklist], cid: str
) -> None:
    """2.0.0: ≤ 3 days 1.0, ≤ 10 0.8, ≤ 30 0.5, ≤ 60 0.3 (unstated = 60: lawful but weak)."""
    breach = shipped[cid].capability("breach_notification_days")
    assert breach is not None
    assert breach.kind == "max_days"
    assert breach.gating is True
    assert breach.unstated_days == 60
    assert [(lv.max_days, lv.credit) for lv in breach.days_levels] == [
        (3, 1.0),
        (10, 0.8),
        (30, 0.5),
        (60, 0.3),
    ]
    assert "45 CFR 164.410(b)" in breach.references
    credits = {
        raw: breach.credit(breach.normalise(raw))
        for raw in ("72 hours", "4 days", "10", "11", "30 days", "unstated", "60", "61")
    }
    assert credits == {
        "72 hours": 1.0,
        "4 days": 0.8,
        "10": 0.8,
        "11": 0.5,
        "30 days": 0.5,
        "unstated": 0.3,
        "60": 0.3,
        "61": 0.0,
    }
    assert breach.credit(61) == 0.0  # an answer stored as a plain int before 2.0.0


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_baa_signed_is_a_gating_yes_no_question(shipped: dict[str, Checklist], cid: str) -> None:
    baa = shipped[cid].capability("baa_signed")
    assert baa is not None
    assert (baa.kind, baa.gating) == ("bool", True)


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_key_custody_asks_who_holds_the_keys_as_a_choice(
    shipped: dict[str, Checklist], cid: str
) -> None:
    custody = shipped[cid].capability("key_custody")
    assert custody is not None
    assert custody.kind == "choice"
    assert dict(custody.options)["customer_managed"] == 1.0


def test_loading_a_checklist_pins_the_sha256_of_its_file(shipped: dict[str, Checklist]) -> None:
    import hashlib

    path = CHECKLISTS / "clinical-photo.toml"
    assert shipped["clinical-photo"].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert shipped["clinical-photo"].source == "clinical-photo.toml"


# ------------------------------------------------------------------- bad checklists

MAX_DAYS = {"kind": "max_days", "unstated_days": 60}
MIN_NUMBER = {"kind": "min_number"}
CHOICE = {"kind": "choice"}

BAD_CHECKLISTS: list[Any] = [
    pytest.param(
        checklist_text(id=DROP), None, "id must be lower-case letters, digits and -", id="no-id"
    ),
    pytest.param(
        checklist_text(id="Demo List"),
        None,
        "id must be lower-case letters, digits and -",
        id="id-with-capitals-and-space",
    ),
    pytest.param(
        checklist_text(version=DROP),
        None,
        'version is required (a string such as "1.0.0")',
        id="no-version",
    ),
    pytest.param(
        checklist_text(version=1),
        None,
        'version is required (a string such as "1.0.0")',
        id="version-not-a-string",
    ),
    pytest.param(checklist_text(title=DROP), None, "title is required", id="no-title"),
    pytest.param(checklist_text(title="  "), None, "title is required", id="blank-title"),
    pytest.param(
        checklist_text(approve_at=101),
        None,
        "approve_at must be a number from 0 to 100",
        id="approve-at-above-100",
    ),
    pytest.param(
        checklist_text(conditional_at=-1),
        None,
        "conditional_at must be a number from 0 to 100",
        id="conditional-at-negative",
    ),
    pytest.param(
        checklist_text(approve_at="80"),
        None,
        "approve_at must be a number from 0 to 100",
        id="approve-at-a-string",
    ),
    pytest.param(
        checklist_text(approve_at=DROP),
        None,
        "approve_at must be a number from 0 to 100",
        id="no-approve-at",
    ),
    pytest.param(
        checklist_text(approve_at=60, conditional_at=70),
        None,
        "conditional_at cannot be above approve_at",
        id="conditional-above-approve",
    ),
    pytest.param(
        checklist_text(owner="security"), None, "unknown field(s): owner", id="unknown-top-field"
    ),
    pytest.param(
        checklist_text(caps=[]),
        None,
        "at least one [[capabilities]] is required",
        id="no-capabilities",
    ),
    pytest.param(
        checklist_text(caps=[], capabilities=["baa_signed"]),
        "#1",
        "each capability must be a table",
        id="capability-not-a-table",
    ),
    pytest.param(
        checklist_text([cap("mfa"), cap("Bad-Key")]),
        "#2",
        "key must be lower_snake_case letters, digits and _",
        id="bad-key-names-its-position",
    ),
    pytest.param(
        checklist_text([cap("mfa"), cap("baa_signed"), cap("mfa")]),
        "mfa",
        "duplicate key",
        id="duplicate-key",
    ),
    pytest.param(
        checklist_text([cap(weight=DROP, wieght=5)]),
        "baa_signed",
        "unknown field(s): wieght",
        id="typo-in-field-name",
    ),
    pytest.param(
        checklist_text([cap(question=DROP)]), "baa_signed", "question is required", id="no-question"
    ),
    pytest.param(
        checklist_text([cap(kind="boolean")]),
        "baa_signed",
        "kind must be one of bool, max_days, choice, min_number, not 'boolean'",
        id="bad-kind",
    ),
    pytest.param(
        checklist_text([cap(weight=-1)]),
        "baa_signed",
        "weight must be ≥ 0, not -1",
        id="negative-weight",
    ),
    pytest.param(
        checklist_text([cap(weight="5")]),
        "baa_signed",
        "weight must be a number",
        id="weight-a-string",
    ),
    pytest.param(
        checklist_text([cap(gating="yes")]),
        "baa_signed",
        "gating must be true or false",
        id="gating-not-a-bool",
    ),
    pytest.param(
        checklist_text([cap(references=DROP)]),
        "baa_signed",
        "references must cite at least one source",
        id="no-references",
    ),
    pytest.param(
        checklist_text([cap(references=[])]),
        "baa_signed",
        "references must cite at least one source",
        id="empty-references",
    ),
    pytest.param(
        checklist_text([cap(references=[""])]),
        "baa_signed",
        "references must be a list of non-empty strings",
        id="blank-reference",
    ),
    pytest.param(
        checklist_text([cap(signals={"phrases": ["baa"], "negatives": ["no baa"]})]),
        "baa_signed",
        "signals must be a table with phrases and negations",
        id="signals-typo",
    ),
    pytest.param(
        checklist_text([cap(weight=0), cap("mfa", weight=0)]),
        None,
        "the weights must add up to more than 0",
        id="all-weights-zero",
    ),
    pytest.param(
        checklist_text([cap(options={"yes": 1.0, "no": 0.0})]),
        "baa_signed",
        "options is not used by kind bool",
        id="options-on-bool",
    ),
    pytest.param(
        checklist_text([cap(unstated_days=60)]),
        "baa_signed",
        "unstated_days is only for kind max_days",
        id="unstated-days-on-bool",
    ),
    # max_days
    pytest.param(
        checklist_text([cap("breach_days", **MAX_DAYS)]),
        "breach_days",
        "max_days needs levels = [{max_days, credit}, …]",
        id="max-days-without-levels",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "breach_days",
                    **MAX_DAYS,
                    levels=[{"max_days": 60, "credit": 0.5}, {"max_days": 10, "credit": 1.0}],
                )
            ]
        ),
        "breach_days",
        "levels must be in strictly increasing max_days",
        id="max-days-levels-decreasing",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "breach_days",
                    **MAX_DAYS,
                    levels=[{"max_days": 10, "credit": 1.0}, {"max_days": 10, "credit": 0.5}],
                )
            ]
        ),
        "breach_days",
        "levels must be in strictly increasing max_days",
        id="max-days-levels-repeated",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "breach_days",
                    **MAX_DAYS,
                    levels=[{"max_days": 10, "credit": 0.5}, {"max_days": 60, "credit": 1.0}],
                )
            ]
        ),
        "breach_days",
        "a longer deadline cannot earn more credit",
        id="max-days-longer-deadline-more-credit",
    ),
    pytest.param(
        checklist_text([cap("breach_days", **MAX_DAYS, levels=[{"max_days": 10, "credit": 1.5}])]),
        "breach_days",
        "level credit must be between 0 and 1, not 1.5",
        id="max-days-credit-above-one",
    ),
    pytest.param(
        checklist_text(
            [cap("breach_days", **MAX_DAYS, levels=[{"max_days": 10, "credit": 1.0, "note": "x"}])]
        ),
        "breach_days",
        "each level needs exactly max_days and credit",
        id="max-days-level-extra-field",
    ),
    pytest.param(
        checklist_text([cap("breach_days", **MAX_DAYS, levels=[{"max_days": -1, "credit": 1.0}])]),
        "breach_days",
        "level max_days must be a whole number ≥ 0",
        id="max-days-level-negative",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "breach_days",
                    kind="max_days",
                    unstated_days=-1,
                    levels=[{"max_days": 10, "credit": 1.0}],
                )
            ]
        ),
        "breach_days",
        "unstated_days must be a whole number ≥ 0",
        id="unstated-days-negative",
    ),
    # choice
    pytest.param(
        checklist_text([cap("mfa", **CHOICE, options={"phishing_resistant": 1.0})]),
        "mfa",
        "choice needs options = {name = credit, …} (≥ 2)",
        id="choice-with-one-option",
    ),
    pytest.param(
        checklist_text([cap("mfa", **CHOICE)]),
        "mfa",
        "choice needs options = {name = credit, …} (≥ 2)",
        id="choice-without-options",
    ),
    pytest.param(
        checklist_text([cap("mfa", **CHOICE, options={"otp": 1.0, "none": 2})]),
        "mfa",
        "credit of option 'none' must be between 0 and 1, not 2",
        id="choice-credit-above-one",
    ),
    pytest.param(
        checklist_text([cap("mfa", **CHOICE, options={"otp": 1.0, "n/a": 0.0})]),
        "mfa",
        "option name 'n/a' is not allowed",
        id="choice-option-named-na",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "mfa",
                    **CHOICE,
                    levels=[{"max_days": 1, "credit": 1.0}],
                    options={"otp": 1.0, "none": 0.0},
                )
            ]
        ),
        "mfa",
        "levels is not used by kind choice",
        id="levels-on-choice",
    ),
    # min_number
    pytest.param(
        checklist_text([cap("log_years", **MIN_NUMBER)]),
        "log_years",
        "min_number needs levels = [{min, credit}, …]",
        id="min-number-without-levels",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "log_years",
                    **MIN_NUMBER,
                    levels=[{"min": 1, "credit": 0.4}, {"min": 6, "credit": 1.0}],
                )
            ]
        ),
        "log_years",
        "levels must be in strictly decreasing min",
        id="min-number-levels-increasing",
    ),
    pytest.param(
        checklist_text(
            [
                cap(
                    "log_years",
                    **MIN_NUMBER,
                    levels=[{"min": 6, "credit": 0.4}, {"min": 1, "credit": 1.0}],
                )
            ]
        ),
        "log_years",
        "a smaller number cannot earn more credit",
        id="min-number-smaller-number-more-credit",
    ),
    pytest.param(
        checklist_text([cap("log_years", **MIN_NUMBER, levels=[{"min": 6, "credit": 1.2}])]),
        "log_years",
        "credit must be between 0 and 1, not 1.2",
        id="min-number-credit-above-one",
    ),
    pytest.param(
        checklist_text([cap("log_years", **MIN_NUMBER, levels=[{"min": -1, "credit": 1.0}])]),
        "log_years",
        "level min must be a number ≥ 0",
        id="min-number-level-negative",
    ),
    pytest.param(
        checklist_text(
            [cap("log_years", **MIN_NUMBER, levels=[{"min": float("nan"), "credit": 1.0}])]
        ),
        "log_years",
        "level min must be a number ≥ 0",
        id="min-number-level-nan",
    ),
    pytest.param(
        checklist_text(
            [cap("log_years", **MIN_NUMBER, levels=[{"min": float("inf"), "credit": 1.0}])]
        ),
        "log_years",
        "level min must be a number ≥ 0",
        id="min-number-level-unreachable-infinity",
    ),
]


@pytest.mark.parametrize(("text", "capability", "reason"), BAD_CHECKLISTS)
def test_bad_checklist_is_refused_naming_file_capability_and_reason(
    tmp_path: Path, text: str, capability: str | None, reason: str
) -> None:
    assert_refused(tmp_path, text, capability, reason)


def assert_refused(tmp_path: Path, text: str, capability: str | None, reason: str) -> None:
    """Loading `text` from bad.toml fails naming the file, the capability and the reason."""
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    err = caught.value
    assert (err.file, err.capability, err.reason) == ("bad.toml", capability, reason)
    where = f"bad.toml: capability {capability!r}" if capability else "bad.toml"
    assert str(err) == f"{where}: {reason}"


def test_the_builder_default_is_a_valid_checklist() -> None:
    """Guards the table above: each bad case differs from a valid file by one change."""
    checklist = parse_checklist(checklist_text(), file="ok.toml")
    assert checklist.keys == ["baa_signed"]


def test_invalid_toml_is_refused_naming_the_file() -> None:
    with pytest.raises(ChecklistError) as caught:
        parse_checklist('id = "demo"\ntitle = \n', file="broken.toml")
    assert caught.value.file == "broken.toml"
    assert caught.value.capability is None
    assert caught.value.reason.startswith("invalid TOML: ")


def test_non_utf8_file_is_refused_naming_the_file() -> None:
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(b'title = "\xff"\n', file="latin1.toml")
    assert (caught.value.file, caught.value.capability, caught.value.reason) == (
        "latin1.toml",
        None,
        "not UTF-8 text",
    )


def test_unreadable_path_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"
    with pytest.raises(ChecklistError) as caught:
        load_checklist(missing)
    assert caught.value.file == str(missing)
    assert caught.value.reason.startswith("cannot read")


def test_two_files_with_the_same_id_in_one_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(loadable_text(id="photo"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(loadable_text(id="photo", version="2"), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_directory(tmp_path)
    assert (caught.value.file, caught.value.capability, caught.value.reason) == (
        "b.toml",
        None,
        "id 'photo' is also used by a.toml",
    )


def test_load_directory_keys_checklists_by_id_and_ignores_other_files(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text(loadable_text(id="first"), encoding="utf-8")
    (tmp_path / "two.toml").write_text(loadable_text(id="second"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a checklist", encoding="utf-8")
    assert sorted(load_directory(tmp_path)) == ["first", "second"]


def test_one_bad_file_in_a_folder_refuses_the_folder_naming_that_file(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(loadable_text(id="good"), encoding="utf-8")
    (tmp_path / "oops.toml").write_text(checklist_text([cap(weight=-2)]), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_directory(tmp_path)
    assert (caught.value.file, caught.value.capability) == ("oops.toml", "baa_signed")


# ------------------------------------------------------------------- tiers and the must-have gates


def test_tier_is_read_per_capability_and_scored_is_the_default() -> None:
    checklist = parse_checklist(
        checklist_text([cap("a_gate", tier="gate"), cap("b_req", tier="required"), cap("c_sc")])
    )
    assert [(c.key, c.tier, c.gating) for c in checklist.capabilities] == [
        ("a_gate", "gate", True),
        ("b_req", "required", False),
        ("c_sc", "scored", False),
    ]


def test_the_older_gating_flag_still_loads_as_tier_gate() -> None:
    """Pinned copies of version 1.0.0 checklists say `gating = true`; they keep scoring."""
    checklist = parse_checklist(
        checklist_text([cap("old_gate", gating=True), cap("old_plain", gating=False)])
    )
    assert [c.tier for c in checklist.capabilities] == ["gate", "scored"]


BAD_TIERS = [
    pytest.param(
        checklist_text([cap(tier="gate", gating=True)]),
        "baa_signed",
        "give tier or the older gating, not both (gating = true is tier gate)",
        id="tier-and-gating",
    ),
    pytest.param(
        checklist_text([cap(tier="must")]),
        "baa_signed",
        "tier must be one of gate, required, scored, not 'must'",
        id="unknown-tier",
    ),
    pytest.param(
        checklist_text([cap(tier="gate", satisfied_by=["mfa"]), cap("mfa", tier="required")]),
        "baa_signed",
        "satisfied_by is only for tier required",
        id="satisfied-by-on-a-gate",
    ),
    pytest.param(
        checklist_text([cap("sso", tier="required", satisfied_by=["mfa"])]),
        "sso",
        "satisfied_by names 'mfa', which is not a capability",
        id="satisfied-by-unknown-key",
    ),
    pytest.param(
        checklist_text([cap("sso", tier="required", satisfied_by=["mfa"]), cap("mfa")]),
        "sso",
        "satisfied_by names 'mfa', which is tier scored, not required",
        id="satisfied-by-a-scored-capability",
    ),
    pytest.param(
        checklist_text([cap("sso", tier="required", satisfied_by=["sso"])]),
        "sso",
        "satisfied_by cannot name the capability itself",
        id="satisfied-by-itself",
    ),
    pytest.param(
        checklist_text(gated_caps(), must_gate={**MUST_GATE, "tls": "at_rest"}),
        None,
        "[policy] must_gate: unknown role(s) tls (roles: baa, encryption_at_rest, audit_logging)",
        id="must-gate-unknown-role",
    ),
    pytest.param(
        checklist_text(gated_caps(), must_gate={**MUST_GATE, "baa": "baa_sigend"}),
        None,
        "[policy] must_gate.baa names 'baa_sigend', which is not a capability",
        id="must-gate-typo",
    ),
    pytest.param(
        checklist_text([*gated_caps()[:2], cap("audit_log", tier="required")], must_gate=MUST_GATE),
        "audit_log",
        "[policy] must_gate.audit_logging names it, so its tier must be gate, not required",
        id="must-gate-names-a-required-capability",
    ),
    pytest.param(
        checklist_text(
            [cap("baa_signed", tier="gate", allow_na=True), *gated_caps()[1:]],
            must_gate=MUST_GATE,
        ),
        "baa_signed",
        "[policy] must_gate.baa names it, so it cannot allow N/A (an N/A answer would take the "
        "gate out of the verdict)",
        id="must-gate-allows-na",
    ),
    pytest.param(
        checklist_text(gated_caps()),
        None,
        "[policy] must_gate names no gate for: baa (the signed Business Associate Agreement); "
        "encryption_at_rest (encryption at rest); audit_logging (audit logging (45 CFR "
        "164.312(b)))",
        id="no-policy",
    ),
    pytest.param(
        checklist_text(
            [*gated_caps()[:2], cap("audit_log")],
            must_gate={k: v for k, v in MUST_GATE.items() if k != "audit_logging"},
        ),
        None,
        "[policy] must_gate names no gate for: audit_logging (audit logging (45 CFR 164.312(b)))",
        id="no-audit-logging-gate",
    ),
]


@pytest.mark.parametrize(("text", "capability", "reason"), BAD_TIERS)
def test_bad_tiers_and_missing_must_have_gates_are_refused_naming_file_and_reason(
    tmp_path: Path, text: str, capability: str | None, reason: str
) -> None:
    assert_refused(tmp_path, text, capability, reason)


def test_a_checklist_with_the_must_have_gates_loads() -> None:
    """Guards BAD_TIERS: each case differs from this one by one change."""
    path_text = loadable_text(
        [cap("sso", tier="required", satisfied_by=["mfa"]), cap("mfa", tier="required")]
    )
    checklist = parse_checklist(path_text, file="ok.toml")
    assert dict(checklist.must_gate) == MUST_GATE
    sso = checklist.capability("sso")
    assert sso is not None and sso.satisfied_by == ("mfa",)


def test_a_pinned_copy_without_the_policy_still_parses() -> None:
    """parse_checklist (what pinned versions go through) does not require the policy;
    load_checklist (files on disk) does."""
    checklist = parse_checklist(checklist_text([cap(gating=True)]), file="pinned:abc")
    assert checklist.must_gate == {}


# The product's tier table, mapped to the capabilities each shipped checklist has.
GATES = {
    "baa_signed",
    "breach_notification_days",
    "encryption_at_rest",
    "tls_in_transit",
    "unique_user_ids",
    "audit_logging",
}
REQUIRED = {
    "end_to_end_encryption",
    "key_custody",
    "sso_saml_oidc",
    "mfa",
    "mdm_app_protection",
    "rbac_admin_controls",
    "configurable_retention",
    "legal_hold",
    "export_controls",
    "no_consumer_cloud_backup",
    "subcontractor_flow_down",
    "return_or_destroy_at_termination",
}
SHIPPED_TIERS = {
    "clinical-photo": (
        GATES | {"gallery_bypass"},
        REQUIRED
        | {"metadata_stripping", "auto_upload_confirmed_delivery", "security_incident_reporting"},
    ),
    "secure-messaging": (
        GATES | {"attachments_stay_in_app", "phi_free_notifications"},
        REQUIRED
        | {
            "attachment_metadata_stripping",
            "record_filing_confirmed_delivery",
            "security_incident_reporting",
        },
    ),
}


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_shipped_checklists_give_the_guidance_musts_as_gates_or_required(
    shipped: dict[str, Checklist], cid: str
) -> None:
    gates, required = SHIPPED_TIERS[cid]
    tiers = {c.key: c.tier for c in shipped[cid].capabilities}
    assert {k for k, t in tiers.items() if t == "gate"} == gates
    assert {k for k, t in tiers.items() if t == "required"} == required
    assert {k for k, t in tiers.items() if t == "scored"} == {
        "automatic_logoff",
        "remote_wipe",
        "screenshot_copy_paste_restriction",
        "audit_log_retention_years",
        "independent_attestation",
        "attestation_recency",
        "mobile_security_test",
    }
    assert dict(shipped[cid].must_gate) == {
        "baa": "baa_signed",
        "encryption_at_rest": "encryption_at_rest",
        "audit_logging": "audit_logging",
    }


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_shipped_either_or_requirements_name_each_other(
    shipped: dict[str, Checklist], cid: str
) -> None:
    either = {c.key: c.satisfied_by for c in shipped[cid].capabilities if c.satisfied_by}
    assert either == {
        "end_to_end_encryption": ("key_custody",),
        "key_custody": ("end_to_end_encryption",),
        "sso_saml_oidc": ("mfa",),
        "mfa": ("sso_saml_oidc",),
    }


@pytest.mark.parametrize("cid", SHIPPED_IDS)
def test_shipped_checklists_moved_to_version_2_0_0(shipped: dict[str, Checklist], cid: str) -> None:
    assert shipped[cid].version == "2.0.0"


# ------------------------------------------------------------------- answer normalisation


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ("72 hours", 3),
        ("72h", 3),
        ("72 hrs", 3),
        ("24 hours", 1),
        ("25 hours", 2),  # a part day is a whole day
        ("1 business day", 3),  # discovered on a Friday: due Monday
        ("5 business days", 7),
        ("10 business days", 14),
        ("6 working days", 10),
        ("30 days", 30),
        ("30 calendar days", 30),
        ("30", 30),
        ("  45 Days ", 45),
        (10, 10),
        (0, 0),
        (2.5, 3),
    ],
)
def test_deadlines_are_converted_to_whole_calendar_days(value: Any, days: int) -> None:
    assert parse_days(value, 60) == days


@pytest.mark.parametrize("value", ["unstated", "Not stated", "without undue delay"])
def test_unstated_breach_days_count_as_sixty_not_zero(value: Any) -> None:
    assert parse_days(value, unstated_days=60) == 60


@pytest.mark.parametrize("value", [None, "", "  ", {}, {"value": None}])
def test_no_answer_is_not_an_unstated_deadline(value: Any) -> None:
    """A client's missing field must not earn the unstated deadline's credit: "unstated"
    takes words, or `stated: false`."""
    with pytest.raises(AnswerValueError):
        parse_days(value, unstated_days=60)


@pytest.mark.parametrize("value", ["unstated"])
def test_unstated_days_without_a_default_is_an_error(value: Any) -> None:
    with pytest.raises(AnswerValueError, match="a number of days is required"):
        parse_days(value, unstated_days=None)


@pytest.mark.parametrize(
    "value",
    [
        -1,
        -0.5,
        "-5",
        True,
        False,
        "sixty days",  # a number in words is refused rather than read as "unstated"
        "within one business day",
        "72 minutes",
        float("nan"),
        float("inf"),
        [10],
        {"days": 10},
    ],
)
def test_impossible_deadlines_are_refused(value: Any) -> None:
    with pytest.raises(AnswerValueError):
        parse_days(value, unstated_days=60)


def _capability(**fields: Any):  # type: ignore[no-untyped-def]
    return parse_checklist(checklist_text([cap("thing", **fields)])).capabilities[0]


BOOL = {"kind": "bool"}
DAYS = {
    "kind": "max_days",
    "unstated_days": 60,
    "levels": [{"max_days": 10, "credit": 1.0}, {"max_days": 60, "credit": 0.5}],
}
OPTIONS = {"kind": "choice", "options": {"customer_managed": 1.0, "vendor_only": 0.3}}
NUMBER = {"kind": "min_number", "levels": [{"min": 6, "credit": 1.0}, {"min": 1, "credit": 0.4}]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("No", False),
        ("true", True),
        (" FALSE ", False),
    ],
)
def test_bool_answers_accept_true_false_yes_no(value: Any, expected: bool) -> None:
    assert _capability(**BOOL).normalise(value) is expected


@pytest.mark.parametrize("value", [1, 0, "y", "maybe", None, 1.0])
def test_bool_answers_refuse_anything_else(value: Any) -> None:
    with pytest.raises(AnswerValueError, match="thing expects true or false"):
        _capability(**BOOL).normalise(value)


def test_max_days_answer_keeps_its_words_with_the_calendar_days() -> None:
    days = _capability(**DAYS)
    assert days.normalise("72 hours") == {
        "days": 3,
        "value": 72,
        "unit": "hours",
        "trigger": "unspecified",
        "quote": None,
        "stated": True,
    }
    assert days.normalise("unstated")["days"] == 60
    assert days.normalise("unstated")["stated"] is False
    assert days.normalise("5 business days")["days"] == 7


def test_choice_answer_must_be_one_of_the_options() -> None:
    custody = _capability(**OPTIONS)
    assert custody.normalise("vendor_only") == "vendor_only"
    with pytest.raises(
        AnswerValueError, match="thing expects one of: customer_managed, vendor_only"
    ):
        custody.normalise("vendor_hsm")
    with pytest.raises(AnswerValueError):
        custody.normalise(1.0)


@pytest.mark.parametrize(
    ("value", "expected"), [(6, 6), (2.5, 2.5), ("7", 7), ("0.5", 0.5), (0, 0)]
)
def test_min_number_answer_accepts_non_negative_numbers(value: Any, expected: float) -> None:
    assert _capability(**NUMBER).normalise(value) == expected


@pytest.mark.parametrize("value", [-1, "-2", "six", True, None, float("nan"), "inf", [6]])
def test_min_number_answer_refuses_negative_or_non_numeric(value: Any) -> None:
    with pytest.raises(AnswerValueError):
        _capability(**NUMBER).normalise(value)


@pytest.mark.parametrize("fields", [BOOL, DAYS, OPTIONS, NUMBER], ids=lambda f: f["kind"])
def test_na_is_accepted_only_where_allow_na(fields: dict[str, Any]) -> None:
    assert _capability(**fields, allow_na=True).normalise("N/A") == NA
    with pytest.raises(AnswerValueError, match="thing does not allow N/A"):
        _capability(**fields).normalise("n/a")


def test_credit_rules_follow_the_levels() -> None:
    days, number, custody = _capability(**DAYS), _capability(**NUMBER), _capability(**OPTIONS)
    assert [days.credit(d) for d in (0, 10, 11, 60, 61)] == [1.0, 1.0, 0.5, 0.5, 0.0]
    assert days.credit(days.normalise("11 days")) == 0.5
    assert [number.credit(n) for n in (10, 6, 5.9, 1, 0.5)] == [1.0, 1.0, 0.4, 0.4, 0.0]
    assert [custody.credit(o) for o in ("customer_managed", "vendor_only")] == [1.0, 0.3]
    assert days.describe_rule() == (
        "≤10 days → 1, ≤60 days → 0.5, more → 0; unstated = the 60-day legal maximum"
    )
