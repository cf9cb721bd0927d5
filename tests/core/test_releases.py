"""Release content, its hash, and the diff between two lists in words (pure: no database)."""

from __future__ import annotations

import json
import random
from datetime import date

from tests.core.release_builders import entry, exclusion
from vetting.core.allowlist import (
    AppFacts,
    ApprovedList,
    BaaFacts,
    DecisionFacts,
    ListDiff,
    approved_list,
    diff_lists,
)
from vetting.core.baa import BaaTerms
from vetting.core.releases import (
    SCHEMA,
    canonical_json,
    content_sha256,
    list_from_content,
    release_content,
)

CAMERA = AppFacts(1, "Acme Camera", "ios", "com.acme.camera", 1, "Acme Health")
CHAT = AppFacts(2, "Chat Box", "android", "com.chat.box", 2, "Chatty Inc")
APPROVED = DecisionFacts("approved", date(2026, 10, 2), "pat@example.org", date(2027, 10, 2), 11)
REJECTED = DecisionFacts("rejected", date(2026, 10, 3), "sam@example.org", date(2027, 10, 3), 12)
# (term ends: the last day in force)
BAA_TO_DEC = BaaFacts(1, BaaTerms(date(2026, 1, 1), date(2026, 11, 30)))
RENEWAL = BaaFacts(2, BaaTerms(date(2026, 12, 5), date(2027, 12, 4)))
AUTO = BaaFacts(3, BaaTerms(date(2025, 1, 1), date(2025, 12, 31), True, 12, 30))


def listed(on: date, baas=(BAA_TO_DEC,), decisions=None, apps=(CAMERA, CHAT)) -> ApprovedList:
    decisions = {1: APPROVED, 2: REJECTED} if decisions is None else decisions
    return approved_list(on, apps, decisions, {1: list(baas), 2: list(baas)})


def sha(result: ApprovedList) -> str:
    return content_sha256(release_content(result.entries, result.excluded))


def test_same_list_on_another_day_has_the_same_hash():
    assert sha(listed(date(2026, 11, 25))) == sha(listed(date(2026, 11, 26)))


def test_auto_renewing_baa_in_the_same_term_does_not_change_the_hash():
    assert sha(listed(date(2026, 2, 1), baas=(AUTO,))) == sha(listed(date(2026, 11, 1), (AUTO,)))


def test_content_is_sorted_whatever_order_the_apps_come_in():
    apps = [AppFacts(i, f"App {i % 7}", "ios", f"com.x.a{i}", 1, "Acme Health") for i in range(30)]
    shuffled = apps[:]
    random.Random(4).shuffle(shuffled)
    decisions = {i: APPROVED for i in range(30)}
    one = listed(date(2026, 11, 25), decisions=decisions, apps=apps)
    two = listed(date(2026, 11, 25), decisions=decisions, apps=shuffled)
    assert sha(one) == sha(two)
    names = [e["name"] for e in release_content(one.entries, one.excluded)["entries"]]
    assert names == sorted(names)


def test_content_has_schema_entries_and_excluded_with_rejected_flag_and_no_date():
    result = listed(date(2026, 11, 25))
    content = release_content(result.entries, result.excluded)
    assert set(content) == {"schema", "entries", "excluded"}
    assert content["schema"] == SCHEMA
    assert [e["app_id"] for e in content["entries"]] == [1]
    (chat,) = content["excluded"]
    assert chat["rejected"] is True
    assert chat["reasons"] == ["rejected 2026-10-03 by sam@example.org"]
    assert "as_of" not in json.dumps(content) and "generated_at" not in json.dumps(content)


def test_canonical_json_is_compact_with_sorted_keys():
    text = canonical_json({"b": 1, "a": [1, {"d": "é", "c": None}]})
    assert text == b'{"a":[1,{"c":null,"d":"\\u00e9"}],"b":1}'


def test_canonical_json_of_content_is_what_json_dumps_sort_keys_writes():
    result = listed(date(2026, 11, 25))
    content = release_content(result.entries, result.excluded)
    content["entries"][0]["name"] = "Ärzte-App ✓"
    expected = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    assert canonical_json(content) == expected


def test_content_reads_back_as_the_same_list():
    result = listed(date(2026, 11, 25))
    back = list_from_content(
        json.loads(canonical_json(release_content(result.entries, result.excluded))), result.as_of
    )
    assert back == result


def test_baa_lapse_removes_the_app_with_the_reason_and_its_date():
    before = listed(date(2026, 11, 30))
    after = listed(date(2026, 12, 1))
    diff = diff_lists(before, after)
    assert [(c.app_id, c.reason) for c in diff.removed] == [
        (1, "removed: BAA with Acme Health expired: in force through 2026-11-30")
    ]
    assert diff.added == () and diff.changed == ()


def test_renewal_adds_the_app_back_saying_why_it_was_off():
    lapsed = listed(date(2026, 12, 2), baas=(BAA_TO_DEC, RENEWAL))
    renewed = listed(date(2026, 12, 5), baas=(BAA_TO_DEC, RENEWAL))
    diff = diff_lists(lapsed, renewed)
    (added,) = diff.added
    assert added.reason.startswith(
        "added: approved 2026-10-02 by pat@example.org; BAA with Acme Health in force"
    )
    assert (
        "(was off the list: BAA with Acme Health expired: in force through 2026-11-30"
        in added.reason
    )


def test_first_list_adds_every_entry():
    diff = diff_lists(None, listed(date(2026, 11, 25)))
    assert [c.reason for c in diff.added] == [
        "added: approved 2026-10-02 by pat@example.org; BAA with Acme Health in force"
    ]
    assert [c.reason for c in diff.blocked] == ["blocked: rejected 2026-10-03 by sam@example.org"]


def test_reassessment_shows_as_changed_with_old_and_new_values():
    old = ApprovedList(date(2026, 11, 25), (entry(),))
    new = ApprovedList(
        date(2026, 11, 26),
        (entry(decided_on=date(2026, 11, 26), valid_until=date(2027, 11, 26)),),
    )
    (changed,) = diff_lists(old, new).changed
    assert changed.reason == (
        "changed: decided on 2026-10-02 → 2026-11-26; valid until 2027-10-02 → 2027-11-26"
    )


def test_deleted_app_is_removed_as_no_longer_in_the_inventory():
    diff = diff_lists(
        ApprovedList(date(2026, 11, 25), (entry(),)), ApprovedList(date(2026, 11, 26), ())
    )
    assert [c.reason for c in diff.removed] == ["removed: no longer in the inventory"]


def test_rejection_reversed_unblocks_the_app():
    blocked = exclusion(reasons=("rejected 2026-10-03 by sam",), rejected=True)
    now = exclusion(reasons=("no BAA with Chatty Inc",))
    diff = diff_lists(
        ApprovedList(date(2026, 11, 1), (), (blocked,)), ApprovedList(date(2026, 11, 2), (), (now,))
    )
    assert [c.reason for c in diff.unblocked] == ["unblocked: no BAA with Chatty Inc"]
    assert diff.blocked == ()


def test_diff_round_trips_through_json_and_summarises():
    diff = diff_lists(listed(date(2026, 11, 30)), listed(date(2026, 12, 1)))
    again = ListDiff.from_dict(json.loads(json.dumps(diff.as_dict())))
    assert again == diff
    assert diff.summary == "1 removed"
    assert ListDiff().summary == "no app added or removed" and ListDiff().empty
