"""An assessment pinned to an older version of a shipped checklist id, for the "reassess
against" notice and `vetting checklists diff` (the older text is written for the tests)."""

from __future__ import annotations

from sqlmodel import Session

from vetting import auth
from vetting.core.checklist import Checklist, parse_checklist
from vetting.schemas import AppCreate, AssessmentCreate, VendorCreate
from vetting.services import apps, assessments, vendors

# Version 1.9.0 of "clinical-photo" as a smaller, older file might have had it.
OLDER_TEXT = """
id = "clinical-photo"
version = "1.9.0"
title = "Clinical photography apps (older)"
approve_at = 75
conditional_at = 55

[[capabilities]]
key = "baa_signed"
title = "BAA in place"
question = "Is a BAA signed for this product?"
kind = "bool"
weight = 10
tier = "gate"
references = ["45 CFR 164.504(e)"]

[[capabilities]]
key = "key_custody"
title = "Key holder"
question = "Who holds the keys?"
kind = "choice"
weight = 5
options = { customer_managed = 1.0, vendor_only = 0.2, none = 0.0 }
references = ["NIST SP 800-57 Part 1 Rev. 5"]

[[capabilities]]
key = "fax_gateway"
title = "Fax gateway"
question = "Does the app send images by fax?"
kind = "bool"
weight = 1
references = ["an old house rule"]
"""


def older() -> Checklist:
    return parse_checklist(OLDER_TEXT, file="older.toml")


def assessment_on_older_version(s: Session) -> int:
    """A vendor, an app and an assessment pinned to clinical-photo 1.9.0; returns its id."""
    actor = auth.CLI_PRINCIPAL
    v = vendors.create(s, actor, VendorCreate(name="Old Lens Ltd"))
    assert v.id is not None
    a = apps.create(s, actor, AppCreate(vendor_id=v.id, name="Old Lens", platform="ios"))
    assert a.id is not None
    made = assessments.create(
        s,
        actor,
        {"clinical-photo": older()},
        AssessmentCreate(app_id=a.id, checklist_id="clinical-photo"),
    )
    assert made.id is not None
    return made.id
