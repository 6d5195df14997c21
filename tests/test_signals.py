"""One way for a lower app to tell or ask a higher one: Django signals, declared in the lower app's signals.py.

Each question is shown answered by the higher app that connects to it, and refused or left out without it (its
receivers taken away, as though the app were not installed).
"""
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts import signals as account_signals
from accounts.services import add_user
from layers import signals as layer_signals
from patrol import signals as patrol_signals
from patrol.models import Issue, ReinspectionSample
from patrol.services import transition_issue
from tests.factories import DISTRICT, TOWN_A, make_issue, make_user, village_point

V1 = "310112102201"


@contextmanager
def without_receivers(*signals):
    """The signals with nobody listening, as when the apps that answer them are not installed."""
    saved = [(signal, signal.receivers) for signal in signals]
    for signal in signals:
        signal.receivers = []
        signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved:
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


def _report(api, campaign):
    lon, lat = village_point(V1)
    return api.post("/api/issues/", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                     "properties": {"category": "heaps", "client_uuid": str(uuid.uuid4()),
                                                    "campaign": campaign}}, format="json")


def test_each_higher_app_listens_to_what_it_answers():
    from accounts.models import User

    assert patrol_signals.campaign_tagging.has_listeners(Issue)  # campaigns
    assert patrol_signals.campaign_sampling.has_listeners(ReinspectionSample)  # campaigns
    assert patrol_signals.supervision_releasing.has_listeners(Issue)  # supervision
    assert layer_signals.battle_map_drawn.has_listeners()  # facilities
    assert layer_signals.battle_map_switch.has_listeners()  # campaigns
    assert account_signals.operator_account.has_listeners(User)  # facilities


def test_tagging_a_report_asks_the_campaigns_app_and_is_refused_without_it(people, login):
    from campaigns.services import create_campaign

    campaign = create_campaign(people["district"], {"name": "冬季战役", "areas": [TOWN_A], "start": "2021-12-15",
                                                    "end": "2022-02-19"})
    api = login(people["district"])
    assert _report(api, campaign.pk).status_code == 201
    assert _report(api, 999999).status_code == 404  # the campaigns app's answer: no such campaign for you
    with without_receivers(patrol_signals.campaign_tagging):
        r = _report(api, campaign.pk)
        assert r.status_code == 400 and r.json()["detail"] == "专项行动功能未启用"
        assert r.json()["field"] == "campaign"
        assert _report(api, None).status_code == 201  # an untagged report needs no campaigns
    assert list(Issue.objects.values_list("campaign", flat=True).order_by("id")) == [campaign.pk, None]


def test_a_campaign_sample_asks_the_campaigns_app_and_is_refused_without_it(geography):
    with pytest.raises(CommandError, match="专项行动不存在：999"):
        call_command("draw_reinspection", "--campaign", "999")
    with without_receivers(patrol_signals.campaign_sampling), pytest.raises(CommandError, match="专项行动功能未启用"):
        call_command("draw_reinspection", "--campaign", "999")


def test_an_open_order_holds_red_supervision_only_through_the_supervision_app(people, login):
    issue = make_issue(people["inspector"], village=V1)
    transition_issue(people["district"], issue.pk, "assign")
    district = login(people["district"])
    order = district.post(reverse("supervision:orders"), {
        "problems": [issue.pk], "addressee": TOWN_A, "requirements": "限期整改",
        "deadline": (timezone.localdate() + timedelta(days=10)).isoformat()}, format="json")
    assert order.status_code == 201, order.content
    release = reverse("patrol:issue-transition", args=[issue.pk])
    r = district.post(release, {"action": "release"}, format="json")
    assert r.status_code == 409 and "督办单办结后自动解除" in r.json()["detail"]
    with without_receivers(patrol_signals.supervision_releasing):
        assert district.post(release, {"action": "release"}, format="json").status_code == 200
    assert not Issue.objects.get(pk=issue.pk).red_supervision


def test_the_battle_map_draws_what_higher_apps_add_and_goes_without_them(geography, client):
    client.force_login(make_user("district", DISTRICT))
    month = f"{timezone.localdate():%Y-%m}"
    page = client.get(reverse("layers:battle-map")).content.decode()
    assert reverse("facilities:facilities") in page and "data-facilities" in page  # facilities' layer
    switch = f'<a href="{reverse("campaigns:task-map")}?month={month}">任务亮灯</a>'
    assert 'data-testid="layer-switch"' in page and switch in page  # campaigns' entry in the layer switch
    with without_receivers(layer_signals.battle_map_drawn, layer_signals.battle_map_switch):
        r = client.get(reverse("layers:battle-map"))
    page = r.content.decode()
    assert r.status_code == 200 and "data-facilities" not in page
    assert 'data-testid="layer-switch"' not in page and switch not in page


def test_operator_accounts_ask_the_facilities_app_for_the_company(geography):
    from facilities.models import Operator

    with pytest.raises(ValidationError, match="服务运营公司 'clean-co' 不存在"):
        add_user("clean_op", "operator", "", "pass-1234", operator="clean-co")
    Operator.objects.create(code="clean-co", name="洁净环卫公司")
    user = add_user("clean_op", "operator", "", "pass-1234", operator="clean-co")
    assert (user.role, user.operator_code, user.area_code) == ("operator", "clean-co", "")
    with pytest.raises(ValidationError, match="需要 --operator"):
        add_user("other_op", "operator", "", "pass-1234")
    with without_receivers(account_signals.operator_account), pytest.raises(ValidationError, match="未安装 facilities"):
        add_user("clean_op2", "operator", "", "pass-1234", operator="clean-co")
