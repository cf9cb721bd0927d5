"""Each status and kind is a StrEnum defined once in the core; what repeats it derives from it."""

from __future__ import annotations

from typing import get_args

import pytest

from vetting import auth, schemas
from vetting.core.baa import STATUSES, BaaLifecycle, BaaState
from vetting.core.checklist import Tier
from vetting.core.imports import DateOrder, ImportKind
from vetting.core.imports import Outcome as ImportOutcome
from vetting.core.reminders import Channel, NotificationStatus, SubjectKind
from vetting.core.scoring import CapabilityStatus, Outcome, Source, Verdict
from vetting.core.statuses import AssessmentStatus, Role, values
from vetting.core.store_ids import Platform
from vetting.web import format


@pytest.mark.parametrize(
    ("literal", "enum"),
    [
        (schemas.PlatformName, Platform),
        (schemas.SourceName, Source),
        (schemas.DecisionName, Outcome),
        (schemas.TierName, Tier),
        (schemas.BaaStatusName, BaaLifecycle),
        (schemas.AssessmentQuery.model_fields["status"].annotation, AssessmentStatus),
        (schemas.NotificationQuery.model_fields["status"].annotation, NotificationStatus),
        (schemas.NotificationQuery.model_fields["channel"].annotation, Channel),
        (schemas.NotificationQuery.model_fields["subject_kind"].annotation, SubjectKind),
        (schemas.ImportKindName, ImportKind),
        (schemas.ImportOutcomeName, ImportOutcome),
        (schemas.DateOrderName, DateOrder),
    ],
)
def test_schema_literals_are_the_enum_values_as_plain_strings(literal, enum) -> None:
    args = [a for a in get_args(literal) if a is not type(None)]
    if len(args) == 1 and get_args(args[0]):  # Literal[...] | None
        args = list(get_args(args[0]))
    assert args == [m.value for m in enum]
    assert all(type(a) is str for a in args)


def test_state_filter_is_every_baa_state_or_in_force() -> None:
    assert get_args(schemas.BaaStateName) == (*values(BaaState), "in_force")


def test_decisions_are_the_verdicts_a_person_may_choose() -> None:
    assert set(Outcome) == set(Verdict) - {Verdict.INCOMPLETE}
    assert set(BaaLifecycle) <= set(BaaState)
    assert tuple(BaaLifecycle) == STATUSES


def test_roles_are_plain_strings_with_scopes() -> None:
    assert values(Role) == auth.ROLES
    assert all(type(r) is str for r in auth.ROLES)  # click matches enum choices by name
    assert set(auth.ROLE_SCOPES) == set(Role)


@pytest.mark.parametrize("enum", [Verdict, AssessmentStatus, BaaState, Source, CapabilityStatus])
def test_every_shown_state_has_a_label_and_a_tone(enum) -> None:
    for member in enum:
        assert member in format.STATE_LABELS, member
        assert member.value in format.TONE, member
