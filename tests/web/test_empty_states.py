"""Empty states say what to do next (issue 15, item 7): an empty register or list offers the
buttons that fill it — to those who may use them — and a search with no result offers the
way back."""

from __future__ import annotations

import re

from tests.web.html_check import problems


def buttons(html: str) -> list[str]:
    row = html.split('class="empty"')[1].split("</tr>")[0]
    return re.findall(r'<a class="button" href="([^"]+)">', row)


def test_empty_lists_offer_the_next_step_to_those_who_may_take_it(browser):
    proc = browser("procurement")
    page = proc.get("/vendors").text
    assert problems(page) == []
    assert buttons(page) == ["/vendors/new", "/import/vendors"]
    assert buttons(proc.get("/apps").text) == ["/apps/new", "/import/apps"]
    legal = browser("legal")
    assert buttons(legal.get("/baas").text)[1:] == ["/baas/new", "/import/baas"]
    viewer = browser("viewer")
    assert buttons(viewer.get("/vendors").text) == []  # nothing a viewer could use
    assert buttons(viewer.get("/baas").text) == ["/baas"]


def test_a_search_without_results_offers_the_way_back(browser, register):
    b = browser("viewer")
    assert buttons(b.get("/vendors?q=zzz").text) == ["/vendors"]
    assert buttons(b.get("/apps?q=zzz").text) == ["/apps"]


def test_compare_with_no_candidate_offers_to_start_one_and_the_way_back(browser, register):
    proc = browser("procurement")
    page = proc.get("/compare?checklist=secure-messaging&q=zzz").text
    assert problems(page) == []
    assert 'href="/compare?checklist=secure-messaging"' in page
    assert 'href="/assessments/new?checklist_id=secure-messaging">Start an assessment' in page
    viewer = browser("viewer").get("/compare?checklist=secure-messaging").text
    assert "No app has been assessed" in viewer and "Start an assessment" not in viewer


def test_no_suggestion_waiting_offers_the_questionnaire_import(browser, register):
    page = browser("procurement").get(f"/assessments/{register.open_id}/suggestions").text
    assert "No suggestion is waiting" in page
    assert f'href="/assessments/{register.open_id}/questionnaire">Import a filled' in page
    viewer = browser("viewer").get(f"/assessments/{register.open_id}/suggestions").text
    assert "Import a filled questionnaire" not in viewer
