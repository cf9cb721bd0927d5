"""What changed between two checklist versions, in plain words (`vetting checklists diff`)."""

from __future__ import annotations

from vetting.core.checklist import parse_checklist
from vetting.core.checklist_diff import diff_checklists

from .builders import cap, checklist_text

OLD = parse_checklist(
    checklist_text(
        [
            cap("sealed", tier="gate", weight=6),
            cap("grade", kind="choice", options={"fine": 1.0, "coarse": 0.4}, weight=3),
            cap(
                "notice_days",
                kind="max_days",
                unstated_days=60,
                levels=[{"max_days": 10, "credit": 1.0}],
            ),
            cap("retired", weight=1),
        ]
    ),
    file="old.toml",
)
NEW = parse_checklist(
    checklist_text(
        [
            cap("sealed", tier="required", weight=8),
            cap(
                "grade",
                kind="choice",
                options={"fine": 1.0, "coarse": 0.5, "powder": 0.2},
                weight=3,
                allow_na=True,
            ),
            cap(
                "notice_days",
                kind="max_days",
                unstated_days=60,
                levels=[{"max_days": 3, "credit": 1.0}, {"max_days": 60, "credit": 0.3}],
                guidance="Count the hours.",
            ),
            cap("fresh", tier="required", weight=2),
        ],
        version="2.0.0",
        approve_at=85,
        conflicts=[
            {
                "when": {"sealed": False},
                "forbids": {"grade": "fine"},
                "message": "An open sack cannot stay fine.",
            }
        ],
    ),
    file="new.toml",
)


def test_every_change_that_moves_a_score_or_a_verdict_is_listed_in_words() -> None:
    texts = [c.text for c in diff_checklists(OLD, NEW)]
    assert texts == [
        "approve_at 80 → 85",
        "sealed: tier gate → required",
        "sealed: weight 6 → 8",
        "grade: added option powder → 0.2; option coarse credit 0.4 → 0.5",
        "grade: N/A now allowed",
        "notice_days: levels changed: was “≤10 days → 1, more → 0; unstated = the 60-day legal "
        "maximum”, now “≤3 days → 1, ≤60 days → 0.3, more → 0; unstated = the 60-day legal "
        "maximum”",
        "notice_days: guidance reworded (no effect on the score)",
        "added fresh: Title of fresh (required, weight 2, bool: yes = full credit, no = none)",
        "removed retired: Title of retired (scored, weight 1, bool: yes = full credit, no = none)",
        "conflict added: when sealed = no, grade = fine is refused "
        "(An open sack cannot stay fine.)",
    ]


def test_the_changes_carry_what_they_were_and_became() -> None:
    changes = {(c.what, c.capability): c for c in diff_checklists(OLD, NEW)}
    assert (changes["tier", "sealed"].old, changes["tier", "sealed"].new) == ("gate", "required")
    assert changes["options", "grade"].new == {"fine": 1.0, "coarse": 0.5, "powder": 0.2}
    assert changes["added", "fresh"].old is None
    assert changes["threshold", None].as_dict() == {
        "what": "threshold",
        "capability": None,
        "old": 80.0,
        "new": 85.0,
        "text": "approve_at 80 → 85",
    }


def test_a_checklist_compared_with_itself_has_no_changes() -> None:
    assert diff_checklists(NEW, NEW) == []
    removed = diff_checklists(NEW, OLD)
    assert any(c.text.startswith("conflict removed: when sealed = no") for c in removed)
