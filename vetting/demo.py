"""The demo data set behind `vetting demo`: a realistic register to explore at once.

Everything goes through the services with one admin actor, so every write is audited, and
every date is relative to `clock.today()` so the list, the BAA states and the reasons are
interesting whenever the demo runs. Past decisions are made "back then" with
`clock.travel`, which is how a decision can already have expired.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from sqlalchemy import CursorResult, delete, func
from sqlmodel import Session, SQLModel, col, select

from vetting import audit, auth, clock
from vetting.core.baa import DEFAULT_WARNING_DAYS, IN_FORCE
from vetting.core.checklist import Checklist
from vetting.core.reminders import SubjectKind
from vetting.core.scoring import Outcome
from vetting.core.statuses import Role, values
from vetting.core.store_ids import Platform
from vetting.db import transaction
from vetting.errors import Invalid
from vetting.models import (
    BAA,
    App,
    Assessment,
    Decision,
    DecisionCondition,
    Notification,
    NotificationRead,
    User,
    Vendor,
)
from vetting.queries import allowlist
from vetting.schemas import (
    AnswerIn,
    AppCreate,
    AppUpdate,
    AssessmentCreate,
    BaaCreate,
    DecisionIn,
    VendorCreate,
)
from vetting.services import apps, assessments, baas, decisions, vendors

ACTOR = auth.Principal("demo", Role.ADMIN, frozenset(auth.SCOPES), kind="cli")
# The second person who confirms the demo's decisions that are more permissive than the verdict.
REVIEWER = auth.Principal(
    "security-committee@demo.example", Role.ADMIN, frozenset(auth.SCOPES), kind="cli"
)

# What `--reset` empties (and every table that refers to them); never people, tokens, audit.
RESET_TABLES = ("vendor", "app", "assessment", "answer", "decision", "baa")
KEPT_TABLES = frozenset({"user_account", "api_token", "audit_event", "checklist_version"})

DEMO_USERS = (
    ("admin@demo.example", Role.ADMIN),
    ("procurement@demo.example", Role.PROCUREMENT),
    ("legal@demo.example", Role.LEGAL),
    ("it@demo.example", Role.IT),
    ("viewer@demo.example", Role.VIEWER),
)

CONTRACT_KEYS = frozenset(
    {
        "baa_signed",
        "breach_notification_days",
        "subcontractor_flow_down",
        "return_or_destroy_at_termination",
    }
)


# --- the data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorSpec:
    name: str
    website: str
    contact_email: str
    notes: str


VENDORS: tuple[VendorSpec, ...] = (
    VendorSpec(
        "Lumen Clinical Imaging, Inc.",
        "https://lumenclinical.example",
        "trust@lumenclinical.example",
        "Clinical photography for wound care and dermatology; DICOM and FHIR delivery.",
    ),
    VendorSpec(
        "WoundSight Health LLC",
        "https://woundsight.example",
        "security@woundsight.example",
        "Wound measurement and photo documentation; Epic and Cerner integrations.",
    ),
    VendorSpec(
        "Dermatrak Labs",
        "https://dermatrak.example",
        "compliance@dermatrak.example",
        "Total-body photography and lesion tracking. BAA renewal stalled in legal review.",
    ),
    VendorSpec(
        "Carelink Systems, Inc.",
        "https://carelink.example",
        "privacy@carelink.example",
        "CareRelay secure clinical messaging; evergreen BAA under the enterprise agreement.",
    ),
    VendorSpec(
        "Pagerline Communications",
        "https://pagerline.example",
        "legal@pagerline.example",
        "Pagerline on-call paging and messaging. Auto-renewing BAA with 90 days' notice.",
    ),
    VendorSpec(
        "Halcyon Health Cloud",
        "https://halcyonhealth.example",
        "baa@halcyonhealth.example",
        "Halcyon Connect care-team messaging; the BAA follows the master subscription term.",
    ),
    VendorSpec(
        "Northwind Telehealth",
        "https://northwindtelehealth.example",
        "security@northwindtelehealth.example",
        "Video visits and patient messaging. Pilot: BAA signed, takes effect next month.",
    ),
    VendorSpec(
        "Brightpath Mobile Health",
        "https://brightpath.example",
        "support@brightpath.example",
        "Bedside photo capture for Android ward devices; annual reassessment in progress.",
    ),
    VendorSpec(
        "Meta Platforms, Inc.",
        "https://about.meta.com",
        "privacy@meta.example",
        "Consumer messaging (WhatsApp, Messenger). Does not sign BAAs for these services.",
    ),
    VendorSpec(
        "Telegram FZ-LLC",
        "https://telegram.org",
        "security@telegram.example",
        "Consumer messaging. No BAA; cloud chats are not end-to-end encrypted.",
    ),
)


@dataclass(frozen=True)
class Product:
    """One app on one or more platforms, the checklist it is assessed against, its answers."""

    key: str
    vendor: str
    name: str
    checklist: str
    category: str
    apps: tuple[tuple[str, str, str | None], ...]  # (platform, store ID, store URL)
    answers: Mapping[str, Any]
    verified: frozenset[str] = frozenset()
    notes: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, str] = field(default_factory=dict)


def _play(package: str) -> str:
    return f"https://play.google.com/store/apps/details?id={package}"


# A strong clinical-photo app; products below override what they do worse.
PHOTO_STRONG: dict[str, Any] = {
    "baa_signed": True,
    "breach_notification_days": 10,
    "subcontractor_flow_down": True,
    "return_or_destroy_at_termination": True,
    "end_to_end_encryption": True,
    "key_custody": "customer_managed",
    "encryption_at_rest": True,
    "tls_in_transit": True,
    "unique_user_ids": True,
    "sso_saml_oidc": "sso_enforced",
    "mfa": "phishing_resistant",
    "automatic_logoff": "admin_configurable",
    "rbac_admin_controls": True,
    "mdm_app_protection": "full_support",
    "remote_wipe": True,
    "gallery_bypass": True,
    "metadata_stripping": True,
    "auto_upload_confirmed_delivery": "confirmed_then_deleted",
    "configurable_retention": "customer_configurable",
    "legal_hold": True,
    "export_controls": "role_based",
    "screenshot_copy_paste_restriction": "both_restricted",
    "no_consumer_cloud_backup": True,
    "audit_logging": True,
    "audit_log_retention_years": 6,
    "security_incident_reporting": "all_incidents_incl_attempted",
    "independent_attestation": "soc2_type2",
    "attestation_recency": "within_12_months",
    "mobile_security_test": "within_12_months",
}

# A strong secure-messaging app.
MESSAGING_STRONG: dict[str, Any] = {
    "baa_signed": True,
    "breach_notification_days": 10,
    "subcontractor_flow_down": True,
    "return_or_destroy_at_termination": True,
    "end_to_end_encryption": True,
    "key_custody": "customer_managed",
    "encryption_at_rest": True,
    "tls_in_transit": True,
    "unique_user_ids": True,
    "sso_saml_oidc": "sso_enforced",
    "mfa": "phishing_resistant",
    "automatic_logoff": "admin_configurable",
    "rbac_admin_controls": True,
    "mdm_app_protection": "full_support",
    "remote_wipe": True,
    "attachments_stay_in_app": True,
    "attachment_metadata_stripping": True,
    "record_filing_confirmed_delivery": "confirmed_then_purged",
    "configurable_retention": "customer_configurable",
    "legal_hold": True,
    "export_controls": "role_based",
    "screenshot_copy_paste_restriction": "both_restricted",
    "no_consumer_cloud_backup": True,
    "phi_free_notifications": True,
    "audit_logging": True,
    "audit_log_retention_years": 6,
    "security_incident_reporting": "all_incidents_incl_attempted",
    "independent_attestation": "soc2_type2",
    "attestation_recency": "within_12_months",
    "mobile_security_test": "within_12_months",
}

# Consumer messaging: what a reviewer finds in the public terms and help pages.
CONSUMER_MESSAGING: dict[str, Any] = {
    "baa_signed": False,
    "subcontractor_flow_down": False,
    "return_or_destroy_at_termination": False,
    "encryption_at_rest": True,
    "tls_in_transit": True,
    "unique_user_ids": True,
    "sso_saml_oidc": "none",
    "mfa": "sms_only",
    "automatic_logoff": "none",
    "rbac_admin_controls": False,
    "mdm_app_protection": "none",
    "remote_wipe": False,
    "attachments_stay_in_app": False,
    "configurable_retention": "fixed_by_vendor",
    "legal_hold": False,
    "export_controls": "none",
    "screenshot_copy_paste_restriction": "none",
    "no_consumer_cloud_backup": False,
    "phi_free_notifications": False,
    "audit_logging": False,
    "security_incident_reporting": "breaches_only",
    "independent_attestation": "iso27001",
    "attestation_recency": "within_12_months",
    "mobile_security_test": "older_or_never",
}

PRODUCTS: tuple[Product, ...] = (
    Product(
        "lumensnap",
        "Lumen Clinical Imaging, Inc.",
        "LumenSnap",
        "clinical-photo",
        "clinical photography",
        (
            (Platform.IOS, "com.lumenclinical.snap", None),
            (Platform.ANDROID, "com.lumenclinical.snap", _play("com.lumenclinical.snap")),
        ),
        {
            **PHOTO_STRONG,
            "breach_notification_days": "72 hours",
            "end_to_end_encryption": False,
            "key_custody": "vendor_hsm_with_customer_escrow",
            "mfa": "otp_or_push",
            "legal_hold": "n/a",
        },
        verified=frozenset(
            {
                "baa_signed",
                "breach_notification_days",
                "encryption_at_rest",
                "tls_in_transit",
                "gallery_bypass",
                "metadata_stripping",
                "auto_upload_confirmed_delivery",
                "mdm_app_protection",
            }
        ),
        notes={
            "legal_hold": "Images are purged from Lumen servers after DICOM storage commitment; "
            "holds are applied in our PACS.",
            "gallery_bypass": "Tested on iPhone 15 and Pixel 8: nothing in Photos or Gallery.",
        },
    ),
    Product(
        "lumen-classic",
        "Lumen Clinical Imaging, Inc.",
        "Lumen Capture Classic",
        "clinical-photo",
        "clinical photography",
        ((Platform.ANDROID, "com.lumenclinical.capture", _play("com.lumenclinical.capture")),),
        {
            **PHOTO_STRONG,
            "breach_notification_days": "72 hours",
            "end_to_end_encryption": False,
            "key_custody": "vendor_only",
            "sso_saml_oidc": "sso_optional",
            "mfa": "otp_or_push",
            "legal_hold": "n/a",
            "independent_attestation": "iso27001",
            "attestation_recency": "within_24_months",
            "mobile_security_test": "within_24_months",
        },
        verified=frozenset({"baa_signed", "gallery_bypass", "encryption_at_rest"}),
    ),
    Product(
        "woundsight",
        "WoundSight Health LLC",
        "WoundSight",
        "clinical-photo",
        "wound care",
        (
            (Platform.IOS, "com.woundsight.capture", None),
            (Platform.ANDROID, "com.woundsight.capture", _play("com.woundsight.capture")),
        ),
        {
            **PHOTO_STRONG,
            "breach_notification_days": {
                "value": 5,
                "unit": "business_days",
                "trigger": "discovery",
                "quote": "WoundSight will tell Customer of any Breach of Unsecured PHI no later "
                "than five (5) business days after discovering it.",
            },
            "end_to_end_encryption": False,
            "key_custody": "vendor_only",
            "sso_saml_oidc": "sso_optional",
            "audit_log_retention_years": 7,
        },
        verified=frozenset(
            {
                "baa_signed",
                "breach_notification_days",
                "subcontractor_flow_down",
                "gallery_bypass",
                "auto_upload_confirmed_delivery",
                "audit_logging",
            }
        ),
        notes={"breach_notification_days": "BAA §4.2: five business days after discovery."},
    ),
    Product(
        "dermatrak",
        "Dermatrak Labs",
        "Dermatrak Capture",
        "clinical-photo",
        "dermatology",
        (
            (Platform.IOS, "com.dermatrak.capture", None),
            (Platform.ANDROID, "com.dermatrak.capture", _play("com.dermatrak.capture")),
        ),
        {
            **PHOTO_STRONG,
            "breach_notification_days": {
                "stated": False,
                "trigger": "discovery",
                "quote": "Business Associate shall report a Breach to Covered Entity without "
                "unreasonable delay following discovery.",
            },
            "mdm_app_protection": "partial_support",
            "screenshot_copy_paste_restriction": "one_restricted",
        },
        verified=frozenset({"baa_signed", "breach_notification_days", "gallery_bypass"}),
        notes={
            "breach_notification_days": "The BAA (HHS sample wording) states no number: the "
            "60-day maximum of 45 CFR 164.410(b) applies.",
        },
    ),
    Product(
        "brightpath",
        "Brightpath Mobile Health",
        "Brightpath Capture",
        "clinical-photo",
        "clinical photography",
        ((Platform.ANDROID, "health.brightpath.capture", _play("health.brightpath.capture")),),
        {
            **PHOTO_STRONG,
            "breach_notification_days": 30,
            "end_to_end_encryption": False,
            "key_custody": "vendor_only",
            "sso_saml_oidc": "sso_optional",
            "metadata_stripping": True,
            "legal_hold": False,
            "mobile_security_test": "within_24_months",
        },
        verified=frozenset({"baa_signed", "gallery_bypass", "remote_wipe"}),
    ),
    Product(
        "carerelay",
        "Carelink Systems, Inc.",
        "CareRelay",
        "secure-messaging",
        "secure messaging",
        (
            (Platform.IOS, "com.carelink.carerelay", None),
            (Platform.ANDROID, "com.carelink.carerelay", _play("com.carelink.carerelay")),
        ),
        {**MESSAGING_STRONG, "legal_hold": True, "audit_log_retention_years": 7},
        # Every gate checked against evidence: the one app approved on its verdict alone (a
        # gate taken on the vendor's word allows at best conditional).
        verified=frozenset(
            {
                "baa_signed",
                "breach_notification_days",
                "encryption_at_rest",
                "tls_in_transit",
                "unique_user_ids",
                "attachments_stay_in_app",
                "phi_free_notifications",
                "end_to_end_encryption",
                "key_custody",
                "sso_saml_oidc",
                "mdm_app_protection",
                "audit_logging",
            }
        ),
        notes={"key_custody": "Keys in our Azure Key Vault (BYOK); verified in the pilot."},
    ),
    Product(
        "pagerline",
        "Pagerline Communications",
        "Pagerline",
        "secure-messaging",
        "secure messaging",
        (
            (Platform.IOS, "com.pagerline.app", None),
            (Platform.ANDROID, "com.pagerline.app", _play("com.pagerline.app")),
        ),
        {
            **MESSAGING_STRONG,
            "breach_notification_days": 30,
            "end_to_end_encryption": False,
            "key_custody": "vendor_only",
            "sso_saml_oidc": "none",
            "mfa": "otp_or_push",
            "mdm_app_protection": "partial_support",
            "record_filing_confirmed_delivery": "manual_export_only",
            "configurable_retention": "fixed_by_vendor",
            "export_controls": "global_toggle",
            "screenshot_copy_paste_restriction": "one_restricted",
            "audit_log_retention_years": 1,
            "security_incident_reporting": "successful_incidents_only",
            "independent_attestation": "none",
            "attestation_recency": "n/a",
            "mobile_security_test": "older_or_never",
        },
        verified=frozenset({"baa_signed", "breach_notification_days", "encryption_at_rest"}),
        notes={"sso_saml_oidc": "SAML is on the vendor roadmap; today local passwords only."},
    ),
    Product(
        "halcyon",
        "Halcyon Health Cloud",
        "Halcyon Connect",
        "secure-messaging",
        "secure messaging",
        (
            (Platform.IOS, "com.halcyonhealth.connect", None),
            (Platform.ANDROID, "com.halcyonhealth.connect", _play("com.halcyonhealth.connect")),
        ),
        {
            **MESSAGING_STRONG,
            "breach_notification_days": "unstated",
            "end_to_end_encryption": False,
            "key_custody": "vendor_only",
            "mdm_app_protection": "partial_support",
            "record_filing_confirmed_delivery": "manual_export_only",
            "configurable_retention": "fixed_by_vendor",
            "legal_hold": False,
            "export_controls": "global_toggle",
            "audit_log_retention_years": 1,
        },
        verified=frozenset({"baa_signed", "breach_notification_days", "sso_saml_oidc"}),
    ),
    Product(
        "northwind",
        "Northwind Telehealth",
        "Northwind Visit",
        "secure-messaging",
        "telehealth",
        ((Platform.IOS, "com.northwindtelehealth.visit", None),),
        {  # the review has only begun
            "baa_signed": True,
            "subcontractor_flow_down": True,
            "return_or_destroy_at_termination": True,
            "encryption_at_rest": True,
            "tls_in_transit": True,
            "sso_saml_oidc": "sso_enforced",
            "mfa": "otp_or_push",
        },
        verified=frozenset({"baa_signed"}),
    ),
    Product(
        "whatsapp",
        "Meta Platforms, Inc.",
        "WhatsApp Messenger",
        "secure-messaging",
        "consumer messaging",
        (
            (Platform.IOS, "net.whatsapp.WhatsApp", "https://apps.apple.com/app/id310633997"),
            (Platform.ANDROID, "com.whatsapp", _play("com.whatsapp")),
        ),
        {**CONSUMER_MESSAGING, "end_to_end_encryption": True, "key_custody": "device_only"},
        verified=frozenset({"baa_signed", "end_to_end_encryption", "no_consumer_cloud_backup"}),
        notes={
            "baa_signed": "Consumer terms of service; Meta does not sign a BAA for WhatsApp.",
            "key_custody": "Keys live only on members' phones: nothing your organisation can "
            "hold, escrow or use for retention or legal hold.",
            "no_consumer_cloud_backup": "Chat backups go to the user's iCloud or Google Drive.",
        },
        evidence={
            "baa_signed": "https://www.whatsapp.com/legal/terms-of-service",
            "end_to_end_encryption": "https://www.whatsapp.com/security",
            "no_consumer_cloud_backup": "https://www.whatsapp.com/security",
        },
    ),
    Product(
        "messenger",
        "Meta Platforms, Inc.",
        "Messenger",
        "secure-messaging",
        "consumer messaging",
        (
            (Platform.IOS, "com.facebook.Messenger", "https://apps.apple.com/app/id454638411"),
            (Platform.ANDROID, "com.facebook.orca", _play("com.facebook.orca")),
        ),
        {**CONSUMER_MESSAGING, "end_to_end_encryption": True, "key_custody": "device_only"},
        verified=frozenset({"baa_signed"}),
        notes={"baa_signed": "Consumer service under Meta's terms; no BAA is offered."},
        evidence={"baa_signed": "https://www.facebook.com/legal/terms"},
    ),
    Product(
        "telegram",
        "Telegram FZ-LLC",
        "Telegram",
        "secure-messaging",
        "consumer messaging",
        (
            (Platform.IOS, "ph.telegra.Telegraph", "https://apps.apple.com/app/id686449807"),
            (Platform.ANDROID, "org.telegram.messenger", _play("org.telegram.messenger")),
        ),
        {**CONSUMER_MESSAGING, "end_to_end_encryption": False, "key_custody": "vendor_only"},
        verified=frozenset({"baa_signed", "end_to_end_encryption"}),
        notes={
            "baa_signed": "No BAA; the terms exclude use for regulated data.",
            "end_to_end_encryption": "Only one-to-one 'secret chats' are end-to-end "
            "encrypted; cloud chats and groups are not.",
        },
        evidence={
            "baa_signed": "https://telegram.org/tos",
            "end_to_end_encryption": "https://telegram.org/faq",
        },
    ),
)
PRODUCT = {p.key: p for p in PRODUCTS}
VENDOR = {v.name: v for v in VENDORS}


# --- loading --------------------------------------------------------------------------------


class _Loader:
    """Writes the data set through the services, one dated step after another."""

    def __init__(self, s: Session, checklists: Mapping[str, Checklist], today: date) -> None:
        self.s = s
        self.checklists = checklists
        self.today = today
        self.vendor_ids: dict[str, int] = {}
        self.app_ids: dict[str, list[int]] = {}
        self.counts: Counter[str] = Counter()
        self.steps: list[tuple[date, Callable[[], object]]] = []

    def at(self, days_ago: int, step: Callable[[], object]) -> None:
        self.steps.append((self.today - timedelta(days=days_ago), step))

    def run(self) -> None:
        """Each step as if it happened on its day, oldest first, so history reads in order."""
        for when, step in sorted(self.steps, key=lambda st: st[0]):
            with clock.travel(when):
                step()

    # -- writers ---------------------------------------------------------------------------

    def vendor(self, spec: VendorSpec) -> None:
        v = vendors.create(
            self.s,
            ACTOR,
            VendorCreate(
                name=spec.name,
                website=spec.website,
                contact_email=spec.contact_email,
                notes=spec.notes,
            ),
        )
        self.vendor_ids[spec.name] = v.id  # type: ignore[assignment]
        self.counts["vendors"] += 1

    def products(self, *keys: str) -> None:
        for key in keys:
            p = PRODUCT[key]
            if p.vendor not in self.vendor_ids:
                self.vendor(VENDOR[p.vendor])
            ids = self.app_ids.setdefault(key, [])
            for platform, store_id, store_url in p.apps:
                a = apps.create(
                    self.s,
                    ACTOR,
                    AppCreate(
                        vendor_id=self.vendor_ids[p.vendor],
                        name=p.name,
                        platform=platform,
                        store_id=store_id,
                        category=p.category,
                        store_url=store_url,
                    ),
                )
                ids.append(a.id)  # type: ignore[arg-type]
                self.counts["apps"] += 1

    def baa(self, vendor: str, **terms: Any) -> None:
        if terms.get("status", "active") != "pending_signature" and terms.get("status") != "draft":
            terms.setdefault("signed_copy_note", "signed original in the contracts system")
        baas.create(self.s, ACTOR, BaaCreate(vendor_id=self.vendor_ids[vendor], **terms))
        self.counts["BAAs"] += 1

    def assess(
        self,
        key: str,
        only: tuple[str, ...] | None = None,
        discovered: Mapping[str, tuple[Any, str, str]] | None = None,
    ) -> list[int]:
        """Assess every app of a product; answer all of its answers (or only some keys)."""
        p = PRODUCT[key]
        vendor_site = VENDOR[p.vendor].website
        made: list[int] = []
        for app_id in self.app_ids[key]:
            a = assessments.create(
                self.s,
                ACTOR,
                self.checklists,
                AssessmentCreate(app_id=app_id, checklist_id=p.checklist),
            )
            self.counts["assessments"] += 1
            for cap_key, value in p.answers.items():
                if only is not None and cap_key not in only:
                    continue
                self.answer(a.id, cap_key, value, p, vendor_site)  # type: ignore[arg-type]
            for cap_key, (value, url, note) in (discovered or {}).items():
                assessments.answer(
                    self.s,
                    ACTOR,
                    a.id,  # type: ignore[arg-type]
                    cap_key,
                    AnswerIn(value=value, source="discovered", evidence_url=url, note=note),
                )
            made.append(a.id)  # type: ignore[arg-type]
        return made

    def answer(self, assessment_id: int, key: str, value: Any, p: Product, site: str) -> None:
        verified = key in p.verified
        url: str | None
        if verified:
            url = p.evidence.get(key) or (
                f"{site}/legal/baa.pdf" if key in CONTRACT_KEYS else f"{site}/security"
            )
            note = p.notes.get(key) or "Checked against the vendor's documentation."
        else:
            url = p.evidence.get(key)
            note = p.notes.get(key) or "Vendor security questionnaire response."
        assessments.answer(
            self.s,
            ACTOR,
            assessment_id,
            key,
            AnswerIn(
                value=value,
                source="verified" if verified else "attested",
                evidence_url=url,
                note=note,
            ),
        )

    def decide(
        self,
        assessment_ids: list[int],
        confirmed: bool = True,
        met: tuple[int, ...] = (),
        **decision: Any,
    ) -> None:
        """Decide each assessment; one more permissive than the verdict is confirmed by the
        security committee unless `confirmed` is false; conditions at positions `met` are
        marked met on the day."""
        for aid in assessment_ids:
            made = decisions.decide(self.s, ACTOR, aid, DecisionIn(**decision))
            self.counts["decisions"] += 1
            if made.needs_confirmation and confirmed:
                decisions.confirm(self.s, REVIEWER, made.id)  # type: ignore[arg-type]
            for position in met:
                condition = self.s.exec(
                    select(DecisionCondition).where(
                        DecisionCondition.decision_id == made.id,
                        DecisionCondition.position == position,
                    )
                ).one()
                assert condition.id is not None  # a stored row
                decisions.meet_condition(
                    self.s, REVIEWER, condition.id, "Checked in the MDM console."
                )

    def assessed_and_decided(self, key: str, decided_days_ago: int, **decision: Any) -> None:
        """Assess a week before the decision, then decide (as of that day)."""
        ids: list[int] = []
        self.at(decided_days_ago + 7, lambda: ids.extend(self.assess(key)))
        self.at(decided_days_ago, lambda: self.decide(ids, **decision))


def _load_data(s: Session, checklists: Mapping[str, Checklist], today: date) -> Counter[str]:
    missing = sorted({p.checklist for p in PRODUCTS} - set(checklists))
    if missing:
        raise Invalid(f"the demo needs the checklist(s) {', '.join(missing)}", "checklist_id")
    d = _Loader(s, checklists, today)
    years = relativedelta(years=1)

    # The register was set up fourteen months ago; Northwind came along last month.
    d.at(
        420,
        lambda: d.products(
            "lumensnap",
            "lumen-classic",
            "woundsight",
            "dermatrak",
            "brightpath",
            "carerelay",
            "pagerline",
            "halcyon",
            "whatsapp",
            "messenger",
            "telegram",
        ),
    )
    d.at(20, lambda: d.products("northwind"))

    # BAAs, recorded when they took effect (or, signed in advance, ten days ago). An
    # expiration_date is the last day in force: "ends in 45 days" is in force through day 44.
    # Auto-renewing: the original term ended 70 days ago and rolled forward a year.
    d.at(
        420,
        lambda: d.baa(
            "Lumen Clinical Imaging, Inc.",
            title="Lumen BAA v3 (auto-renewing)",
            effective_date=today - timedelta(days=70) - 2 * years,
            expiration_date=today - timedelta(days=71),
            auto_renews=True,
            renewal_term_months=12,
            notice_days=60,
            breach_notification_days=3,
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
        ),
    )
    # Fixed term, ends in 45 days: expiring.
    d.at(
        420,
        lambda: d.baa(
            "WoundSight Health LLC",
            title="WoundSight BAA 2024",
            effective_date=today + timedelta(days=45) - 2 * years,
            expiration_date=today + timedelta(days=44),
            breach_notification_days=7,
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
        ),
    )
    # Expired 20 days ago while the renewal sat in review: Dermatrak's apps drop off the list.
    d.at(
        420,
        lambda: d.baa(
            "Dermatrak Labs",
            title="Dermatrak BAA (HHS sample wording)",
            effective_date=today - timedelta(days=20) - 2 * years,
            expiration_date=today - timedelta(days=21),
            breach_clause={
                "stated": False,
                "quote": "Business Associate shall report to Covered Entity any Breach of "
                "Unsecured PHI without unreasonable delay.",
            },
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
            notes="States no breach-notification deadline: the 60-day legal maximum applies.",
        ),
    )
    # Evergreen: no end date, in force until terminated.
    d.at(
        420,
        lambda: d.baa(
            "Carelink Systems, Inc.",
            title="Carelink enterprise BAA",
            effective_date=today - timedelta(days=500),
            expiration_date=None,
            breach_notification_days=10,
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
        ),
    )
    # Auto-renewing with 90 days' notice; the notice deadline is three weeks away.
    d.at(
        340,
        lambda: d.baa(
            "Pagerline Communications",
            title="Pagerline BAA",
            effective_date=today - timedelta(days=340),
            expiration_date=today + timedelta(days=110),
            auto_renews=True,
            renewal_term_months=12,
            notice_days=90,
            breach_notification_days=30,
            subcontractor_flowdown=True,
            return_or_destroy=False,
            owner_email="legal@demo.example",
        ),
    )
    # No term of its own: it follows the master subscription agreement's dates.
    d.at(
        420,
        lambda: d.baa(
            "Halcyon Health Cloud",
            title="Halcyon BAA (exhibit C to the MSA)",
            effective_date=today - timedelta(days=600),
            expiration_date=today + timedelta(days=399),
            auto_renews=True,
            renewal_term_months=36,
            notice_days=120,
            parent_agreement="Halcyon Master Subscription Agreement MSA-2023-0412",
            breach_clause={
                "stated": False,
                "quote": "Business Associate shall report to Covered Entity any Breach of "
                "Unsecured PHI without unreasonable delay.",
            },
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
            notes="Term, renewal and notice come from the MSA; the BAA states none of its own.",
        ),
    )
    d.at(
        420,
        lambda: d.baa(
            "Brightpath Mobile Health",
            title="Brightpath BAA",
            effective_date=today - timedelta(days=430),
            expiration_date=today + timedelta(days=299),
            breach_notification_days=30,
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
        ),
    )
    # Signed for the pilot; takes effect in a month.
    d.at(
        10,
        lambda: d.baa(
            "Northwind Telehealth",
            title="Northwind BAA",
            effective_date=today + timedelta(days=30),
            expiration_date=today + timedelta(days=29) + 3 * years,
            breach_notification_days=5,
            subcontractor_flowdown=True,
            return_or_destroy=True,
            owner_email="legal@demo.example",
        ),
    )

    # Decisions. Brightpath's was made 400 days ago for 12 months: it has expired. Keys held
    # by the vendor (neither end-to-end encryption nor customer-held keys) make the verdict
    # conditional: the decision names the condition.
    keys_condition = (
        "Move the image keys to customer-managed keys (BYOK) in our key vault; the vendor "
        "committed to it in writing."
    )

    def condition(text: str, decided_days_ago: int, due_in_days: int) -> dict[str, Any]:
        """A condition due `due_in_days` after a decision made `decided_days_ago`."""
        due = today - timedelta(days=decided_days_ago - due_in_days)
        return {"text": text, "due_date": due, "owner": "it-security@demo.example"}

    d.assessed_and_decided(
        "brightpath",
        400,
        decision=Outcome.CONDITIONAL,
        conditions=[
            condition(keys_condition, 400, 300),
            condition("Turn on legal hold for the imaging tenant.", 400, 30),
        ],
        met=(1,),
    )
    d.assessed_and_decided(
        "lumen-classic",
        330,
        decision=Outcome.CONDITIONAL,
        conditions=[
            condition(keys_condition, 330, 300),
            condition("Enforce SAML SSO for every user.", 330, 60),
        ],
        met=(1,),
    )
    d.at(
        30,
        lambda: apps.update(
            s,
            ACTOR,
            d.app_ids["lumen-classic"][0],
            AppUpdate(
                revoked_on=clock.today(),
                revoked_reason="superseded by LumenSnap; the vendor ended support",
            ),
        ),
    )
    d.assessed_and_decided(
        "dermatrak",
        240,
        decision=Outcome.APPROVED,
        justification="MDM support is partial (Intune app protection on iOS only); our "
        "Android phones are fully managed corporate devices, so the gap does not apply to "
        "our fleet. Security committee approved, minutes 2025-Q2 item 3.",
    )
    # LumenSnap's key move is due in two months (reminders are on their way); WoundSight's
    # was due ten days ago and is not met: WoundSight is off the list until it is.
    d.assessed_and_decided(
        "lumensnap",
        150,
        decision=Outcome.CONDITIONAL,
        conditions=[condition(keys_condition, 150, 210)],
    )
    d.assessed_and_decided(
        "woundsight",
        100,
        decision=Outcome.CONDITIONAL,
        conditions=[condition(keys_condition, 100, 90)],
    )
    # Consumer apps: rejected on the failed gates before the review was finished (only a
    # rejection can be decided on an incomplete assessment).
    for consumer in ("whatsapp", "messenger", "telegram"):
        d.assessed_and_decided(
            consumer,
            90,
            decision=Outcome.REJECTED,
            justification="No BAA; PHI in notifications; attachments saved to the device "
            "gallery; no audit log. Not reviewed further.",
        )
    d.assessed_and_decided("carerelay", 60, decision=Outcome.APPROVED)
    d.assessed_and_decided(
        "pagerline",
        45,
        decision=Outcome.CONDITIONAL,
        valid_until=today + timedelta(days=135),
        conditions=[
            condition("Enforce Intune app protection (no export to unmanaged apps).", 45, 14),
            condition("Turn on the global export block.", 45, 65),
            condition("Reassess when SAML SSO ships (vendor roadmap: next quarter).", 45, 170),
        ],
        met=(0,),
    )
    # Approved over a conditional verdict and still waiting for the security committee's
    # second signature: off the list until someone other than its author confirms it.
    d.assessed_and_decided(
        "halcyon",
        20,
        confirmed=False,
        decision=Outcome.APPROVED,
        justification="Scores conditional only for retention, legal hold and record filing, "
        "which the MSA covers: 7-year server-side retention with customer-initiated holds "
        "(MSA §9) and nightly export to our archive. Security committee approved, minutes "
        "2025-Q4 item 7.",
    )

    # Open assessments: Northwind just started, with a scanner's suggestion to confirm;
    # Brightpath's annual reassessment is half done.
    site = VENDOR["Northwind Telehealth"].website
    d.at(
        5,
        lambda: d.assess(
            "northwind",
            discovered={
                "end_to_end_encryption": (
                    True,
                    f"{site}/security",
                    "Found on the vendor page: 'messages are end-to-end encrypted'.",
                ),
            },
        ),
    )
    d.at(
        12,
        lambda: d.assess(
            "brightpath",
            only=(
                "baa_signed",
                "breach_notification_days",
                "subcontractor_flow_down",
                "return_or_destroy_at_termination",
                "encryption_at_rest",
                "tls_in_transit",
                "gallery_bypass",
                "metadata_stripping",
            ),
        ),
    )
    d.run()
    return d.counts


# --- reset, users, token, summary -----------------------------------------------------------


def _reset(s: Session) -> dict[str, int]:
    """Empty the demo's tables (and any table that refers to them) in one transaction."""
    wipe: list[Any] = []
    names = set(RESET_TABLES)
    for table in SQLModel.metadata.sorted_tables:  # parents before children
        refers = any(fk.column.table.name in names for fk in table.foreign_keys)
        if table.name in KEPT_TABLES:
            continue
        if table.name in names or refers:
            names.add(table.name)
            wipe.append(table)
    deleted: dict[str, int] = {}
    with transaction(s):
        for table in reversed(wipe):
            deleted[table.name] = _deleted(s.execute(delete(table)))
        # The outbox names its subjects by id without a foreign key: a reloaded BAA that reuses
        # an id must not find its reminders already "sent" (nor read).
        deleted["notification_read"] = _deleted(s.execute(delete(NotificationRead)))
        deleted["notification"] = _deleted(
            s.execute(
                delete(Notification).where(col(Notification.subject_kind).in_(values(SubjectKind)))
            )
        )
        audit.record(s, ACTOR.name, "demo.reset", "demo", None, None, {"deleted": deleted})
    return deleted


def _deleted(result: Any) -> int:
    """Rows a DELETE removed (its cursor result's rowcount)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _users(s: Session) -> list[str]:
    lines: list[str] = []
    existing = set(
        s.scalars(select(User.email).where(col(User.email).in_([e for e, _ in DEMO_USERS])))
    )
    for email, role in DEMO_USERS:
        if email in existing:
            continue
        password = secrets.token_urlsafe(12)
        auth.create_user(s, ACTOR, email, password, role)
        lines.append(f"  {email:<26} {role:<12} {password}")
    if lines:
        return ["demo users (passwords shown only now):", *lines]
    return ["demo users already exist (their passwords were shown when they were created)"]


def _token(s: Session, base_url: str) -> list[str]:
    _, secret = auth.create_token(s, ACTOR, "demo", Role.ADMIN)
    return [
        f"API token 'demo' (role admin, shown only now): {secret}",
        f'  curl -H "Authorization: Bearer {secret}" {base_url.rstrip("/")}/api/v1/allowlist',
    ]


def _summary(s: Session, today: date, warning_days: int) -> list[str]:
    n_vendors = s.scalar(select(func.count()).select_from(Vendor)) or 0
    platforms = Counter(
        {p: n for p, n in s.execute(select(App.platform, func.count()).group_by(App.platform))}
    )
    states: Counter[str] = Counter()
    evergreen = 0
    for baa in s.scalars(select(BAA)):
        state = baas.view(baa, today, warning_days).status.state
        states[state] += 1
        evergreen += baa.expiration_date is None and state in IN_FORCE
    statuses = Counter(
        {
            st: n
            for st, n in s.execute(
                select(Assessment.status, func.count()).group_by(Assessment.status)
            )
        }
    )
    n_decisions = s.scalar(select(func.count()).select_from(Decision)) or 0
    result = allowlist.compute(s, today)
    n_apps = sum(platforms.values())

    def counted(c: Mapping[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"

    lines = [
        f"summary on {today.isoformat()}:",
        f"  vendors      {n_vendors}",
        f"  apps         {n_apps} ({counted(platforms)})",
        f"  BAAs         {sum(states.values())} ({counted(states)}; evergreen {evergreen})",
        f"  assessments  {sum(statuses.values())} ({counted(statuses)}), {n_decisions} decisions",
        f"  approved list today: {len(result.entries)} of {n_apps} apps on it, "
        f"{len(result.excluded)} excluded:",
    ]
    lines += [f"    - {x.name} ({x.platform}): {x.reason}" for x in result.excluded]
    return lines


def load(
    s: Session,
    checklists: Mapping[str, Checklist],
    reset: bool = False,
    *,
    warning_days: int = DEFAULT_WARNING_DAYS,
    base_url: str = "http://127.0.0.1:5000",
) -> list[str]:
    """Load the demo data set once (idempotent); return the report lines to print."""
    report: list[str] = []
    if reset:
        deleted = _reset(s)
        report.append(
            "reset: deleted " + ", ".join(f"{n} {t}" for t, n in deleted.items() if n)
            if any(deleted.values())
            else "reset: nothing to delete"
        )
    today = clock.today()
    present = s.scalar(
        select(Vendor.name)
        .where(col(Vendor.name).in_([v.name for v in VENDORS]))
        .order_by(col(Vendor.id))
        .limit(1)
    )
    if present is not None:
        report.append(
            f"demo data already loaded (vendor {present!r} exists): nothing added or duplicated; "
            "`vetting demo --reset` reloads it"
        )
    else:
        counts = _load_data(s, checklists, today)
        report.append(
            "loaded the demo data set: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        )
    report += _users(s)
    report += _token(s, base_url)
    report += _summary(s, today, warning_days)
    s.rollback()  # end the summary's read transaction (`--serve` keeps this session open)
    return report
