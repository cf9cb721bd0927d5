"""Checklists as loaded at start-up."""

from __future__ import annotations

from flask import current_app

from vetting.api import bp
from vetting.api.spec import route
from vetting.core.checklist import Checklist
from vetting.schemas import CapabilityOut, ChecklistOut, ChecklistSummary, Out
from vetting.services import checklists as svc


class ChecklistList(Out):
    items: list[ChecklistSummary]


def registry() -> dict[str, Checklist]:
    return current_app.extensions["vetting.checklists"]


def summary(c: Checklist) -> dict:
    return {
        "id": c.id,
        "version": c.version,
        "title": c.title,
        "sha256": c.sha256,
        "approve_at": c.approve_at,
        "conditional_at": c.conditional_at,
        "capability_count": len(c.capabilities),
    }


def detail(c: Checklist) -> ChecklistOut:
    return ChecklistOut(
        **summary(c),
        description=c.description,
        capabilities=[
            CapabilityOut(
                key=cap.key,
                theme=cap.theme,
                title=cap.title,
                question=cap.question,
                kind=cap.kind,
                weight=cap.weight,
                tier=cap.tier.value,
                gating=cap.gating,
                satisfied_by=list(cap.satisfied_by),
                allow_na=cap.allow_na,
                guidance=cap.guidance,
                references=list(cap.references),
                rule=cap.describe_rule(),
                options=[name for name, _ in cap.options] or None,
                unit=cap.unit or None,
            )
            for cap in c.capabilities
        ],
    )


@route(
    bp,
    "/checklists",
    "GET",
    summary="Checklists available for new assessments",
    tag="checklists",
    scope="checklists:read",
    response=ChecklistList,
)
def list_checklists() -> ChecklistList:
    return ChecklistList(
        items=[ChecklistSummary(**summary(c)) for _, c in sorted(registry().items())]
    )


@route(
    bp,
    "/checklists/<checklist_id>",
    "GET",
    summary="One checklist with its capabilities",
    tag="checklists",
    scope="checklists:read",
    response=ChecklistOut,
)
def get_checklist(checklist_id: str) -> ChecklistOut:
    return detail(svc.get(registry(), checklist_id))
