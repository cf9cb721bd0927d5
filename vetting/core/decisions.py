"""The controls on a human decision: who must confirm it, what a justification and a validity
must be, what it is bound to, and when its conditions make it lapse.

The rules: docs/rules.md, "Decisions". Pure functions: the services apply them when a decision
is recorded, the approved list when it reads one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from vetting.core.scoring import Outcome, Verdict

DEFAULT_VALID_MONTHS = 12
MAX_VALID_MONTHS = 24
MIN_JUSTIFICATION = 20


class Confirmation(StrEnum):
    """Where a decision stands with its second person."""

    NOT_NEEDED = "not_needed"  # in effect from the day it was made
    PENDING = "pending"  # more permissive than the verdict: waits for a second person
    CONFIRMED = "confirmed"  # a second person agreed: in effect from that day
    REFUSED = "refused"  # a second person refused: never in effect


IN_EFFECT = frozenset({Confirmation.NOT_NEEDED, Confirmation.CONFIRMED})


@dataclass(frozen=True)
class DecisionRules:
    """The limits every new decision is held to (settings, with these defaults)."""

    default_months: int = DEFAULT_VALID_MONTHS
    max_months: int = MAX_VALID_MONTHS
    min_justification: int = MIN_JUSTIFICATION

    def latest_valid_until(self, today: date) -> date:
        return today + relativedelta(months=self.max_months)

    def default_valid_until(self, today: date) -> date:
        return today + relativedelta(months=min(self.default_months, self.max_months))


def second_person_reason(outcome: str, verdict: str) -> str | None:
    """Why a decision needs a second person's confirmation, in words; None when it does not.

    A decision more permissive than the verdict needs one: approving (or conditionally
    approving) a rejected or incomplete assessment, or approving a conditional one outright.
    A rejection, or a decision as strict as the verdict or stricter, takes effect at once.
    """
    if outcome == Outcome.REJECTED:
        return None
    if verdict in (Verdict.REJECTED, Verdict.INCOMPLETE):
        return f"{outcome} although the verdict is {verdict}"
    if verdict == Verdict.CONDITIONAL and outcome == Outcome.APPROVED:
        return "approved without conditions although the verdict is conditional"
    return None


def justification_problem(text: str | None, minimum: int) -> str | None:
    """What is wrong with a justification that must be given, or None.

    It must say something: at least `minimum` letters or digits ("." or a row of dots is not a
    reason)."""
    meaningful = sum(ch.isalnum() for ch in text or "")
    if meaningful == 0:
        return "a justification is required"
    if meaningful < minimum:
        return f"a justification needs at least {minimum} letters or digits"
    return None


@dataclass(frozen=True)
class ConditionFacts:
    """One condition of a decision as the list reads it on a date."""

    text: str
    due: date
    met_on: date | None = None


def overdue(conditions: Iterable[ConditionFacts], on: date) -> list[str]:
    """The reasons, in words, that conditions past their due date and not met by `on` give.

    A condition is due through its due date: the day after, unmet, it is overdue."""
    return [
        f"condition '{c.text}' overdue since {c.due.isoformat()}"
        for c in sorted(conditions, key=lambda c: (c.due, c.text))
        if c.due < on and (c.met_on is None or c.met_on > on)
    ]


@dataclass(frozen=True)
class Pins:
    """What a decision was made about: the app's platform, store ID and vendor then."""

    platform: str | None
    store_id: str | None
    vendor_id: int | None
    vendor_name: str | None = None


def pin_changes(
    pins: Pins, platform: str, store_id: str | None, vendor_id: int, decided_on: date
) -> list[str]:
    """What changed about the app since its decision, in words ("store ID changed since the
    decision of 2026-10-01"). A decision recorded before pinning (all pins None) binds nothing.
    """
    if pins.platform is None and pins.store_id is None and pins.vendor_id is None:
        return []
    since = f"since the decision of {decided_on.isoformat()}"
    out: list[str] = []
    if pins.platform is not None and pins.platform != platform:
        out.append(f"platform changed {since} (was {pins.platform}, now {platform})")
    if pins.store_id != store_id:
        was, now = pins.store_id or "none", store_id or "none"
        out.append(f"store ID changed {since} (was {was}, now {now})")
    if pins.vendor_id is not None and pins.vendor_id != vendor_id:
        was = pins.vendor_name or f"vendor {pins.vendor_id}"
        out.append(f"vendor changed {since} (was {was})")
    return out


def confirmation_state(
    needs: bool,
    confirmed_on: date | None,
    refused_on: date | None,
    on: date,
) -> Confirmation:
    """Where a decision stands with its second person on `on` (a confirmation or refusal
    counts from the organisation's day it was given)."""
    if not needs:
        return Confirmation.NOT_NEEDED
    if confirmed_on is not None and confirmed_on <= on:
        return Confirmation.CONFIRMED
    if refused_on is not None and refused_on <= on:
        return Confirmation.REFUSED
    return Confirmation.PENDING


@dataclass(frozen=True)
class RecordedDecision:
    """What today's rules look at in a recorded decision (one made before them, say)."""

    decision: str
    verdict: str
    justification: str | None
    decided_on: date
    valid_until: date
    needs_confirmation: bool
    conditions: Sequence[ConditionFacts]
    conditions_text: str | None = None


def shortfalls(d: RecordedDecision, rules: DecisionRules) -> list[str]:
    """What a recorded decision lacks by today's rules, in words: a decision made before them
    stays as it was, marked with these."""
    out: list[str] = []
    permissive = second_person_reason(d.decision, d.verdict)
    if permissive and not d.needs_confirmation:
        out.append(f"not confirmed by a second person ({permissive})")
    if d.decision != d.verdict and justification_problem(d.justification, rules.min_justification):
        out.append(
            f"justification shorter than {rules.min_justification} letters or digits "
            "for a decision that differs from the verdict"
        )
    if d.valid_until > d.decided_on + relativedelta(months=rules.max_months):
        out.append(f"valid for more than {rules.max_months} months")
    if d.decision == Outcome.CONDITIONAL and not d.conditions:
        out.append(
            "conditions are free text, without a due date or an owner"
            if (d.conditions_text or "").strip()
            else "a conditional approval with no conditions recorded"
        )
    return out
