"""Quality figures for the claim extractor on a labelled corpus written for these tests (in
our own words, shaped like trust pages, FAQs, pricing and subprocessor pages), read with the
shipped checklists' signals. The README quotes the figures this prints; the floors below keep
them from slipping. The corpus was written by the people who wrote the rules, so it flatters
them: real pages will do worse.

Each item: a text, and every (capability, stance) a careful reader would take from it as the
vendor's own claim. Precision counts claims that are right (capability and stance); recall,
labels found. A wrong `supports` is the costly error and is counted apart."""

from __future__ import annotations

from pathlib import Path

from vetting.core.checklist import load_directory
from vetting.core.claims import find_claims
from vetting.services.page_watch import signals_for

CHECKLISTS = load_directory(Path(__file__).resolve().parents[2] / "checklists")
SIGNALS = signals_for([CHECKLISTS["secure-messaging"]])
NAMES = ("Tessera Health", "Tessera")

S, D, C = "supports", "denies", "conditional"

CORPUS: list[tuple[str, set[tuple[str, str]]]] = [
    # --- plain claims a vendor makes of itself
    ("Tessera signs a business associate agreement with every hospital.", {("baa_signed", S)}),
    ("We will sign a BAA before you upload any patient data.", {("baa_signed", S)}),
    ("All messages are end-to-end encrypted between devices.", {("end_to_end_encryption", S)}),
    ("Data on our servers is encrypted at rest with AES-256.", {("encryption_at_rest", S)}),
    ("Traffic between the app and our cloud uses TLS 1.3.", {("tls_in_transit", S)}),
    ("Administrators can require multi-factor authentication for everyone.", {("mfa", S)}),
    ("Sign in through SAML with your own identity provider.", {("sso_saml_oidc", S)}),
    ("The app locks after an idle timeout you choose.", {("automatic_logoff", S)}),
    ("Every action is written to an audit trail your admins can export.", {("audit_logging", S)}),
    ("We hold a SOC 2 Type II report, renewed every year.", {("independent_attestation", S)}),
    ("Lost phones can be handled with a remote wipe from the admin console.",
     {("remote_wipe", S), ("rbac_admin_controls", S)}),
    ("Our yearly penetration test covers the iOS and Android apps.", {("mobile_security_test", S)}),
    ("Photos taken in the in-app camera are never saved to the camera roll.",
     {("attachments_stay_in_app", S)}),
    ("Tessera strips metadata such as GPS position from every image.",
     {("attachment_metadata_stripping", S)}),
    ("Each clinician has individual accounts; there is no shared login.",
     {("unique_user_ids", S)}),
    # --- negations, near and far
    ("We do not sign BAAs.", {("baa_signed", D)}),
    ("Tessera does not, for any plan or customer size, sign a business associate agreement.",
     {("baa_signed", D)}),
    ("Messages are not end-to-end encrypted; our staff can read them for support.",
     {("end_to_end_encryption", D)}),
    ("Single sign-on is not available today.", {("sso_saml_oidc", D)}),
    ("SSO coming soon.", {("sso_saml_oidc", D)}),
    ("Support for Intune app protection policies is in progress.", {("mdm_app_protection", D)}),
    ("We never sell data, and everything is encrypted at rest.", {("encryption_at_rest", S)}),
    ("We do not show ads, but we do sign a BAA with each clinic.", {("baa_signed", S)}),
    # --- conditions
    ("BAA available on the Enterprise plan.", {("baa_signed", C)}),
    ("Business associate agreements are offered to Business tier and above.", {("baa_signed", C)}),
    ("Single sign-on is available as a paid add-on.", {("sso_saml_oidc", C)}),
    ("We sign a BAA upon request.", {("baa_signed", C)}),
    ("Enterprise features\nEvery conversation is end-to-end encrypted, with SAML single sign-on.",
     {("end_to_end_encryption", C), ("sso_saml_oidc", C)}),
    ("We do not sign BAAs except for Enterprise customers.", {("baa_signed", C)}),
    ("A BAA is not available on the Starter plan.", {("baa_signed", D)}),
    ("Beta features are not covered by the business associate agreement.", {("baa_signed", C)}),
    # --- other subjects
    ("WhatsApp offers end-to-end encryption but no BAA.", set()),
    ("Several providers decline to sign a BAA.", set()),
    ("Many consumer apps are end-to-end encrypted but unsuitable for PHI.", set()),
    ("Our hosting provider signs a business associate agreement with us.", set()),
    ("Subprocessors\nName | Purpose\nNorthwind Cloud | hosting, encrypted at rest", set()),
    ("Unlike typical messengers, Tessera keeps attachments in a secure container.",
     {("attachments_stay_in_app", S)}),
    ("Microsoft Teams supports SSO, and so do we.", set()),  # ours is missed: recall cost
    # --- questions and advice
    ("Does the vendor sign a BAA?", set()),
    ("Will Tessera sign a business associate agreement? Yes, Tessera will sign a BAA.",
     {("baa_signed", S)}),
    ("What does HIPAA require? End-to-end encryption, audit logs and MFA are a good start.", set()),
    ("HIPAA requires a business associate agreement with each vendor that handles PHI.", set()),
    ("You should look for encryption at rest and TLS 1.2 or better.", set()),
    ("The proposed rule would require MFA for all access to ePHI.", set()),
    ("Where this page and the business associate agreement conflict, the agreement controls.",
     set()),
    # --- harder cases, labelled as a careful reader would
    ("Customers on any plan get a BAA, and encryption at rest is always on.",
     {("encryption_at_rest", S)}),  # "get a BAA" is no phrase of the checklist: a miss
    ("Our SOC 2 Type 2 audit covers the service; the report is under NDA.",
     {("independent_attestation", S)}),
    ("Notifications never include patient details: generic push notifications only.",
     {("phi_free_notifications", S)}),
    ("Chats are backed up to iCloud unless your admin turns backups off.",
     {("no_consumer_cloud_backup", C)}),  # off only if the admin says so
    ("We keep audit logs; log retention is six years.",
     {("audit_logging", S), ("audit_log_retention_years", S)}),
    ("Screenshots are allowed on Android.", {("screenshot_copy_paste_restriction", D)}),
    ("Google Cloud hosts our servers and is encrypted at rest.", set()),
]  # fmt: skip


# Written after the rules were tuned on CORPUS, labelled as a careful reader would (claims the
# checklists' phrases cannot see included), and NOT tuned on since: the fairer figures.
HELD_OUT: list[tuple[str, set[tuple[str, str]]]] = [
    ("We're happy to sign your organisation's BAA or ours.", {("baa_signed", S)}),
    ("Tessera is HIPAA compliant and signs BAAs on all paid plans.", {("baa_signed", C)}),
    ("Tessera Free is not intended for PHI.", {("baa_signed", D)}),
    ("Your messages are protected by the Signal Protocol.", {("end_to_end_encryption", S)}),
    (
        "We cannot read your messages: only the recipients can read them.",
        {("end_to_end_encryption", S)},
    ),
    ("Passkeys and FIDO2 security keys are supported for sign-in.", {("mfa", S)}),
    ("Two-factor authentication can be enabled by each user.", {("mfa", C)}),
    ("Okta and Azure AD work out of the box.", {("sso_saml_oidc", S)}),
    ("Sessions never expire on trusted devices.", {("automatic_logoff", D)}),
    ("Admins define custom roles with granular permissions.", {("rbac_admin_controls", S)}),
    ("Messages sync to the desktop app over HTTPS.", {("tls_in_transit", S)}),
    ("Telegram's secret chats are end-to-end encrypted, ordinary chats are not.", set()),
    (
        "Is Tessera end-to-end encrypted? It is, for every chat and call.",
        {("end_to_end_encryption", S)},
    ),
    ("Why end-to-end encryption matters\nOnly the recipients can read a message.", set()),
    (
        "HIPAA does not require end-to-end encryption, but we use it anyway.",
        {("end_to_end_encryption", S)},
    ),
    ("Consumer messengers often lack audit logs.", set()),
    ("Audit logs are available on the Enterprise plan.", {("audit_logging", C)}),
    ("We don't offer a BAA for personal accounts.", {("baa_signed", D)}),
    (
        "We report any security incident, including attempted ones, within 5 days.",
        {("security_incident_reporting", S)},
    ),
    (
        "We notify customers of a breach without unreasonable delay.",
        {("breach_notification_days", S)},
    ),
    (
        "Data is deleted 30 days after termination, and a certificate of destruction is issued.",
        {("return_or_destroy_at_termination", S)},
    ),
    ("Legal hold and eDiscovery exports are in the Compliance add-on.", {("legal_hold", C)}),
    (
        "Attachments can be saved to Photos if your admin allows it.",
        {("attachments_stay_in_app", C)},
    ),
    ("Our ISO 27001 certificate is published on this page.", {("independent_attestation", S)}),
    ("Amazon Web Services holds ISO 27001 and SOC 2 Type II reports.", set()),
]


def measure(corpus: list[tuple[str, set[tuple[str, str]]]] = CORPUS) -> dict[str, float]:
    right = wrong = wrong_supports = found_labels = labels = 0
    for text, expected in corpus:
        got = {(c.capability, str(c.stance)) for c in find_claims(text, SIGNALS, NAMES)}
        right += len(got & expected)
        wrong += len(got - expected)
        wrong_supports += sum(1 for _, stance in got - expected if stance == S)
        found_labels += len(got & expected)
        labels += len(expected)
    claims = right + wrong
    return {
        "items": len(corpus),
        "claims": claims,
        "labels": labels,
        "precision": right / claims,
        "recall": found_labels / labels,
        "wrong_supports": wrong_supports,
    }


def test_quality_figures_hold() -> None:
    figures = measure()
    print(
        f"\nclaims corpus: {figures['items']} items, {figures['labels']} labelled claims; "
        f"precision {figures['precision']:.2f}, recall {figures['recall']:.2f}, "
        f"wrong supports {figures['wrong_supports']}"
    )
    assert figures["precision"] >= 0.95
    assert figures["recall"] >= 0.95
    assert figures["wrong_supports"] == 0


def test_held_out_figures() -> None:
    figures = measure(HELD_OUT)
    print(
        f"\nheld-out: {figures['items']} items, {figures['labels']} labelled claims; "
        f"precision {figures['precision']:.2f}, recall {figures['recall']:.2f}, "
        f"wrong supports {figures['wrong_supports']}"
    )
    assert figures["wrong_supports"] == 0
    assert figures["precision"] >= 0.85
