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


def test_the_edit_page_changes_a_campaign_before_its_start(geography, client):
    town = make_user("town", TOWN_A)
    client.force_login(town)
    from campaigns import services

    campaign = services.create_campaign(town, {"name": "百日攻坚", "areas": [TOWN_A], "start": iso(5),
                                               "end": iso(60), "quotas": [HOUSES]})
    page = client.get(f"/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'value="百日攻坚"' in page and "disabled" not in page.split('name="start"')[1].split(">")[0]
    body = {"name": "百日攻坚", "areas": [TOWN_A], "start": iso(6), "end": iso(30), "work_name": "集中攻坚",
            "work_start": iso(6), "work_end": iso(40), "quota1_name": "危房",
            "quota1_categories": ["dilapidated_house"], "quota1_per_week": "2"}
    refused = client.post(f"/campaigns/{campaign.pk}/edit/", body)
    assert refused.status_code == 400
    text = refused.content.decode()
    error = text[text.index('id="id_work_start"'):].split('data-testid="field-error">')[1].split("<")[0]
    assert "超出专项行动期间" in error  # next to the phase's own field
    campaign.refresh_from_db()
    assert campaign.end == timezone.localdate() + timedelta(days=60) and not campaign.phases.exists()
    done = client.post(f"/campaigns/{campaign.pk}/edit/", {**body, "work_end": iso(30)}, follow=True)
    assert "已保存专项行动“百日攻坚”" in done.content.decode()
    campaign.refresh_from_db()
    assert (campaign.start, campaign.end) == (timezone.localdate() + timedelta(days=6),
                                              timezone.localdate() + timedelta(days=30))
    assert [(p.kind, p.name) for p in campaign.phases.all()] == [("work", "集中攻坚")]
    assert [q.per_village_per_week for q in campaign.quotas.all()] == [2]
    # Another town's staff may not open it.
    client.force_login(make_user("town", TOWN_B))
    assert client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 404
