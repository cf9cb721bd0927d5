"""`[[conflicts]]`: answer combinations a checklist refuses, checked when the file loads
(naming the file and the reason) and found in a set of answers (docs/rules.md, "Score")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vetting.core.checklist import Checklist, load_directory, parse_checklist

from .builders import DROP, cap, checklist_text
from .test_checklist import assert_refused

CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"

# A lamp that is on cannot have its switch in the off position; a dimmer needs a bulb.
CAPS = [
    cap("lamp_lit"),
    cap("switch", kind="choice", options={"up": 1.0, "middle": 0.5, "down": 0.0}),
    cap("dimmer", kind="choice", options={"fitted": 1.0, "absent": 0.0}, allow_na=True),
    cap("bulb_hours", kind="min_number", levels=[{"min": 100, "credit": 1.0}]),
]
RULE = {
    "when": {"lamp_lit": True},
    "forbids": {"switch": ["down"]},
    "message": "A lit lamp with its switch down is not possible.",
}


def _text(*rules: dict[str, Any]) -> str:
    return checklist_text(CAPS, conflicts=list(rules))


def _rule(**changes: Any) -> dict[str, Any]:
    out = {**RULE, **changes}
    return {k: v for k, v in out.items() if v is not DROP}


def test_a_conflict_rule_loads_with_its_values_as_tuples() -> None:
    checklist = parse_checklist(
        _text(RULE, _rule(when={"dimmer": "n/a"}, forbids={"switch": "middle"}))
    )
    first, second = checklist.conflicts
    assert first.when == (("lamp_lit", (True,)),)
    assert first.forbids == (("switch", ("down",)),)
    assert first.message == "A lit lamp with its switch down is not possible."
    assert second.when == (("dimmer", ("n/a",)),)
    assert second.keys == ("dimmer", "switch")


@pytest.mark.parametrize(
    ("rule", "capability", "reason"),
    [
        pytest.param(
            _rule(when={"lamp_on": True}),
            None,
            "conflicts #1: when names 'lamp_on', which is not a capability",
            id="unknown-capability",
        ),
        pytest.param(
            _rule(forbids={"switch": ["sideways"]}),
            "switch",
            "conflicts #1: forbids.switch = 'sideways' is not one of its options "
            "(up, middle, down)",
            id="unknown-option",
        ),
        pytest.param(
            _rule(when={"lamp_lit": "yes"}),
            "lamp_lit",
            "conflicts #1: when.lamp_lit must be true or false, not 'yes'",
            id="bool-as-a-word",
        ),
        pytest.param(
            _rule(when={"switch": "n/a"}),
            "switch",
            "conflicts #1: when.switch = 'n/a', but it does not allow N/A",
            id="na-where-not-allowed",
        ),
        pytest.param(
            _rule(forbids={"bulb_hours": [0]}),
            "bulb_hours",
            "conflicts #1: only yes/no and choice capabilities can conflict, not min_number",
            id="numeric-kind",
        ),
        pytest.param(
            _rule(forbids={"lamp_lit": False}),
            "lamp_lit",
            "conflicts #1: it is named in both when and forbids",
            id="same-capability-on-both-sides",
        ),
        pytest.param(
            _rule(forbids={"switch": []}),
            "switch",
            "conflicts #1: forbids.switch lists no value",
            id="empty-value-list",
        ),
        pytest.param(
            _rule(when={}),
            None,
            "conflicts #1: when must be a table of capability = value or [values]",
            id="empty-when",
        ),
        pytest.param(
            _rule(message=DROP),
            None,
            "conflicts #1: message is required (say why, in words)",
            id="no-message",
        ),
        pytest.param(
            _rule(because="x"),
            None,
            "conflicts #1: unknown field(s): because",
            id="unknown-field",
        ),
    ],
)
def test_a_bad_conflict_rule_refuses_the_file_naming_it_and_the_reason(
    tmp_path: Path, rule: dict[str, Any], capability: str | None, reason: str
) -> None:
    text = checklist_text(CAPS, conflicts=[rule])
    assert_refused_unloaded(tmp_path, text, capability, reason)


def assert_refused_unloaded(tmp_path: Path, text: str, capability: str | None, reason: str) -> None:
    """Like assert_refused, for a file without the must-have gates: parse it from bad.toml."""
    from vetting.core.checklist import ChecklistError

    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, file="bad.toml")
    err = caught.value
    assert (err.file, err.capability, err.reason) == ("bad.toml", capability, reason)


def test_conflicts_that_are_not_tables_are_refused(tmp_path: Path) -> None:
    text = 'conflicts = ["lamp_lit"]\n' + checklist_text(CAPS)
    assert_refused_unloaded(tmp_path, text, None, "conflicts must be [[conflicts]] tables")


def test_a_bad_rule_in_a_file_on_disk_names_the_file(tmp_path: Path) -> None:
    from .builders import MUST_GATE, gated_caps

    text = checklist_text(
        [*gated_caps(), *CAPS], must_gate=MUST_GATE, conflicts=[_rule(when={"lamp": True})]
    )
    assert_refused(
        tmp_path, text, None, "conflicts #1: when names 'lamp', which is not a capability"
    )


@pytest.mark.parametrize(
    ("answers", "broken"),
    [
        ({"lamp_lit": True, "switch": "down"}, [("lamp_lit", True), ("switch", "down")]),
        ({"lamp_lit": True, "switch": "up"}, None),
        ({"lamp_lit": False, "switch": "down"}, None),
        ({"switch": "down"}, None),  # the condition is not answered: nothing to contradict
        ({"lamp_lit": True}, None),
    ],
)
def test_conflicts_in_finds_only_answers_that_break_a_rule(
    answers: dict[str, Any], broken: list[tuple[str, Any]] | None
) -> None:
    checklist = parse_checklist(_text(RULE))
    found = checklist.conflicts_in(answers)
    if broken is None:
        assert found == []
    else:
        assert [list(f.answers) for f in found] == [broken]
        assert found[0].describe(checklist) == (
            "A lit lamp with its switch down is not possible. "
            "(Title of lamp_lit (lamp_lit) = yes; Title of switch (switch) = down)"
        )


# ------------------------------------------------------------------- the shipped checklists


@pytest.fixture(scope="module")
def shipped() -> dict[str, Checklist]:
    return load_directory(CHECKLISTS)


@pytest.mark.parametrize("cid", ["clinical-photo", "secure-messaging"])
def test_shipped_checklists_refuse_encryption_at_rest_with_no_key_holder(
    shipped: dict[str, Checklist], cid: str
) -> None:
    checklist = shipped[cid]
    found = checklist.conflicts_in({"encryption_at_rest": True, "key_custody": "none"})
    assert [f.keys for f in found] == [("encryption_at_rest", "key_custody")]
    assert checklist.conflicts_in({"encryption_at_rest": True, "key_custody": "device_only"}) == []
    assert checklist.conflicts_in({"encryption_at_rest": False, "key_custody": "none"}) == []


@pytest.mark.parametrize("cid", ["clinical-photo", "secure-messaging"])
def test_keys_only_on_devices_is_a_key_custody_option_between_escrow_and_vendor_only(
    shipped: dict[str, Checklist], cid: str
) -> None:
    custody = shipped[cid].capability("key_custody")
    assert custody is not None
    credits = dict(custody.options)
    assert credits["device_only"] == 0.5
    assert (
        credits["vendor_only"] < credits["device_only"] < credits["vendor_hsm_with_customer_escrow"]
    )
    assert "legal hold" in custody.guidance and "device_only" in custody.guidance
    # keys only on devices is end-to-end encryption: answering "no" to it contradicts that
    found = shipped[cid].conflicts_in(
        {"key_custody": "device_only", "end_to_end_encryption": False}
    )
    assert [f.keys for f in found] == [("key_custody", "end_to_end_encryption")]


@pytest.mark.parametrize("cid", ["clinical-photo", "secure-messaging"])
def test_an_attestation_and_its_recency_are_checked_against_each_other(
    shipped: dict[str, Checklist], cid: str
) -> None:
    checklist = shipped[cid]
    assert (
        checklist.conflicts_in({"independent_attestation": "none", "attestation_recency": "n/a"})
        == []
    )
    assert (
        checklist.conflicts_in(
            {"independent_attestation": "soc2_type2", "attestation_recency": "within_24_months"}
        )
        == []
    )
    assert (
        len(
            checklist.conflicts_in(
                {"independent_attestation": "none", "attestation_recency": "within_12_months"}
            )
        )
        == 1
    )
    assert (
        len(
            checklist.conflicts_in(
                {"independent_attestation": "iso27001", "attestation_recency": "n/a"}
            )
        )
        == 1
    )


@pytest.mark.parametrize("cid", ["clinical-photo", "secure-messaging"])
def test_the_new_2_0_0_capabilities_and_their_tiers(
    shipped: dict[str, Checklist], cid: str
) -> None:
    checklist = shipped[cid]
    incident = checklist.capability("security_incident_reporting")
    assert incident is not None and incident.tier == "required"
    assert "45 CFR 164.314(a)(2)(i)(C)" in incident.references
    test = checklist.capability("mobile_security_test")
    assert test is not None and test.tier == "scored"
    assert dict(test.options) == {
        "within_12_months": 1.0,
        "within_24_months": 0.5,
        "older_or_never": 0.0,
    }
    for control in ("MASVS-STORAGE-1", "MASVS-NETWORK-1", "MASVS-AUTH-1"):
        assert any(control in ref and "v2.1.0" in ref for ref in test.references), control
    recency = checklist.capability("attestation_recency")
    assert recency is not None and dict(recency.options)["within_12_months"] == 1.0
    assert dict(recency.options)["within_24_months"] < 1.0  # credit falls after 12 months


@pytest.mark.parametrize("cid", ["clinical-photo", "secure-messaging"])
def test_retention_and_legal_hold_no_longer_cite_hipaa_documentation_rules(
    shipped: dict[str, Checklist], cid: str
) -> None:
    checklist = shipped[cid]
    retention = checklist.capability("configurable_retention")
    hold = checklist.capability("legal_hold")
    assert retention is not None and hold is not None
    for ref in (*retention.references, *hold.references):
        assert "164.530(j)" not in ref and "164.316(b)(2)(i)" not in ref, ref
    assert "state" in retention.guidance.lower()
    assert any("37(e)" in ref for ref in hold.references)
