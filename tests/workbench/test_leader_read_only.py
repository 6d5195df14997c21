"""The leader reads every page and writes on none (issue 24: "leader | every page | read-only: no write button
rendered at all"). The same pages, with the same records, offer district staff their write forms: the check can
fail."""
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from assessment import services as assessment
from assessment.monthly import last_complete_month
from campaigns import services as campaigns
from tests.assessment.test_schemes import items_for
from tests.factories import DISTRICT, TOWN_A, V1, V2, make_issue, make_user
from workbench.nav import links_for

pytestmark = pytest.mark.django_db

POST_FORM = re.compile(r"<form[^>]*method=\"post\"[^>]*>", re.I)


def write_forms(html):
    """The page's POST forms, less the navbar's 退出."""
    return [f for f in POST_FORM.findall(html) if "logout" not in f]


def test_the_leader_gets_no_write_form_where_district_staff_get_theirs(geography):
    district, leader = make_user("district", DISTRICT), make_user("leader", DISTRICT)
    issue = make_issue(make_user("inspector", DISTRICT), village=V1)
    today = timezone.localdate()
    day = lambda n: (today + timezone.timedelta(days=n)).isoformat()  # noqa: E731
    campaign = campaigns.create_campaign(district, {
        "name": "冬季战役", "areas": [TOWN_A], "start": day(-20), "end": day(3),
        "quotas": [{"name": "危房", "categories": ["dilapidated_house"], "per_village_per_week": 3}],
        "phases": [{"name": "集中攻坚", "kind": "work", "start": day(-20), "end": day(-2)},
                   {"name": "考核验收", "kind": "acceptance", "start": day(-2), "end": day(3)}]})
    campaigns.create_task(district, {"name": "美丽庭院创建", "year": today.year, "unit": "户", "level": "village",
                                     "targets": [{"area": V1, "target": 12}]})
    call_command("assessment_scheme", DISTRICT, "dazhangzhuang", "--set", "bottom_n=1")
    month = f"{last_complete_month():%Y-%m}"
    assessment.submit_scorecard(district, V1, month, items_for(60))
    assessment.submit_scorecard(district, V2, month, items_for(90))

    pages = {url for _, links in links_for(leader) for _, url in links}
    pages |= {f"/issues/{issue.pk}/", f"/campaigns/{campaign.pk}/", f"/villages/{V1}/",
              f"/assessment/?month={month}", "/orders/"}
    as_leader, as_district = Client(), Client()
    as_leader.force_login(leader)
    as_district.force_login(district)

    offered = {}
    for url in sorted(pages):
        r = as_leader.get(url)
        assert r.status_code == 200, (url, r.status_code)
        html = r.content.decode()
        assert write_forms(html) == [], (url, write_forms(html))
        offered[url] = len(write_forms(as_district.get(url).content.decode()))
    # District staff are offered writes on the same pages: 交办, 验收, 记录约谈 / 加减分 at least.
    assert offered[f"/issues/{issue.pk}/"] and offered[f"/campaigns/{campaign.pk}/"]
    assert offered[f"/assessment/?month={month}"]
