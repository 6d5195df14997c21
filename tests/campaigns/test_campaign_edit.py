"""Changing a campaign (services.update_campaign, the API's PATCH and the /campaigns/<id>/edit/ page): before its
start every field, checked as on creation; from its start the name and the quotas only."""
from datetime import timedelta

from django.utils import timezone

from campaigns.models import Campaign, QuotaChange
from tests.factories import DISTRICT, TOWN_A, TOWN_B, make_user

HOUSES = {"name": "危房", "categories": ["dilapidated_house"], "per_village_per_week": 3}


def iso(n):
    return f"{timezone.localdate() + timedelta(days=n):%Y-%m-%d}"


def test_before_the_start_everything_changes_after_it_the_name_and_quotas(geography, login):
    district = make_user("district", DISTRICT)
    api = login(district)
    cid = api.post("/api/campaigns/", {"name": "百日攻坚", "areas": [TOWN_A], "start": iso(5), "end": iso(60),
                                       "quotas": [HOUSES]}, format="json").json()["id"]
    r = api.patch(f"/api/campaigns/{cid}/", {
        "areas": [TOWN_A, TOWN_B], "start": iso(7), "end": iso(50),
        "phases": [{"name": "集中攻坚", "kind": "work", "start": iso(7), "end": iso(50)}]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["areas"], body["start"], body["end"]) == ([TOWN_A, TOWN_B], iso(7), iso(50))
    assert [p["kind"] for p in body["phases"]] == ["work"] and body["quotas"][0]["name"] == "危房"
    # A phase outside the new dates is refused, naming phases, and nothing changes.
    r = api.patch(f"/api/campaigns/{cid}/", {"end": iso(20)}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "phases"
    assert Campaign.objects.get().end == timezone.localdate() + timedelta(days=50)

    Campaign.objects.filter(pk=cid).update(start=timezone.localdate() - timedelta(days=3))
    Campaign.objects.get().phases.update(start=timezone.localdate() - timedelta(days=3))
    r = api.patch(f"/api/campaigns/{cid}/", {"end": iso(40)}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "end" and "只能修改名称和每周指标" in r.json()["detail"]
    change = {"name": "百日攻坚（延）", "quotas": [{**HOUSES, "per_village_per_week": 4}]}
    r = api.patch(f"/api/campaigns/{cid}/", change, format="json")
    assert r.status_code == 200 and r.json()["name"] == "百日攻坚（延）"
    assert QuotaChange.objects.get().effective_from > timezone.localdate()
    # The town cannot change a campaign that covers another town.
    assert login(make_user("town", TOWN_A)).patch(f"/api/campaigns/{cid}/", {"name": "x"},
                                                  format="json").status_code == 403


def test_a_failed_acceptance_needs_a_reason(geography, login):
    town = make_user("town", TOWN_A)
    api = login(town)
    cid = api.post("/api/campaigns/", {"name": "验收中", "areas": [TOWN_A], "start": iso(-5), "end": iso(2),
                                       "phases": [{"name": "考核验收", "kind": "acceptance", "start": iso(-5),
                                                   "end": iso(2)}]}, format="json").json()["id"]
    r = api.post(f"/api/campaigns/{cid}/acceptance/", {"village": "310112102201", "result": "fail"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "note"
