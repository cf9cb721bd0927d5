"""The answer form in a real browser (issue 15, item 6): each question saves as it is
entered, a refused question shows its message and alone stays unsaved, and leaving with an
unsaved change asks first."""

from __future__ import annotations

from sqlalchemy import select

from tests.web.browser_fixtures import BROWSER_MARKS
from tests.web.conftest import Register
from vetting import db
from vetting.models import Answer

pytestmark = BROWSER_MARKS


def _stored(app, assessment_id: int) -> dict[str, object]:
    with app.app_context():
        rows = db.session().scalars(select(Answer).where(Answer.assessment_id == assessment_id))
        return {a.capability_key: a.value for a in rows}


def test_answers_save_as_they_are_entered_and_leaving_unsaved_asks(app, people, register: Register):
    proc = people("procurement")
    page = proc.page
    proc.go(f"/assessments/{register.open_id}/answers")
    assert page.locator(".autosave-hint").is_visible()
    # A yes/no question saves on the click, and the score at the top follows.
    page.check("#f-v-encryption_at_rest-1")
    page.wait_for_selector("#saved-encryption_at_rest:has-text('Saved at')")
    assert _stored(app, register.open_id)["encryption_at_rest"] is True
    assert "1 of" in page.locator("#score-mini").inner_text()
    assert "points" in page.locator("#status-encryption_at_rest").inner_text()
    # A deadline in words it cannot read is refused on its field; nothing of it is written.
    page.fill("#f-v-breach_notification_days", "72 minutes")
    page.wait_for_selector("#saved-breach_notification_days:has-text('Not saved')")
    assert page.locator("#f-v-breach_notification_days-error").is_visible()
    assert page.get_attribute("#f-v-breach_notification_days", "aria-invalid") == "true"
    assert "breach_notification_days" not in _stored(app, register.open_id)
    proc.shot("answer-form-autosave-refused")
    # Leaving now asks first; staying keeps what was typed.
    dialogs: list[str] = []

    def stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.click("a:has-text('Back to scorecard')", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/answers")
    assert page.input_value("#f-v-breach_notification_days") == "72 minutes"
    page.remove_listener("dialog", stay)
    # Fixed, it saves; with nothing unsaved, leaving asks nothing.
    page.fill("#f-v-breach_notification_days", "72 hours")
    page.wait_for_selector("#saved-breach_notification_days:has-text('Saved at')")
    assert page.locator("#f-v-breach_notification_days-error").count() == 0
    assert page.get_attribute("#f-v-breach_notification_days", "aria-invalid") is None
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    page.click("a:has-text('Back to scorecard')")
    page.wait_for_url(f"**/assessments/{register.open_id}")
    assert dialogs == ["beforeunload"]  # no second question
    assert "72 hours" in page.content()
    stored = _stored(app, register.open_id)
    deadline = stored["breach_notification_days"]
    assert (deadline["value"], deadline["unit"]) == (72, "hours")  # type: ignore[index]


def test_the_form_still_posts_whole_with_its_button(app, people, register: Register):
    """Saving with the button while autosaves run loses nothing and asks nothing."""
    proc = people("procurement")
    page = proc.page
    proc.go(f"/assessments/{register.open_id}/answers")
    page.check("#f-v-audit_logging-1")
    page.fill("#f-note-audit_logging", "SIEM export checked on the call")
    page.click("button:has-text('Save and view scorecard')")
    page.wait_for_url(f"**/assessments/{register.open_id}")
    assert "SIEM export checked on the call" in page.content()
    assert _stored(app, register.open_id)["audit_logging"] is True
