"""The demo's campaign and task list (demo.campaigns)."""
from io import StringIO

from campaigns import services
from campaigns.models import Task, TaskProgress
from tests.factories import DISTRICT, TOWN_A, make_user


def test_demo_makes_the_plans_campaign_and_a_task_list_with_lights(geography):
    """The demo's campaign is Qukou's as seed 002 writes it (phases of 7, 57 and 2 days; “各村每周整治不少于5处”,
    “各村每周拆除不少于3户”), run by zhen_staff over the town; the task list has monthly progress and lights."""
    staff = make_user("district", DISTRICT)
    make_user("town", TOWN_A, username="zhen_staff")
    from demo import campaigns as demo

    campaign = demo.create(geography)
    assert [(p.kind, (p.end - p.start).days) for p in campaign.phases.order_by("start")] == [
        ("mobilise", 7), ("work", 57), ("acceptance", 2)]
    assert sorted(q.per_village_per_week for q in campaign.quotas.all()) == [3, 5]
    assert campaign.areas == [TOWN_A]
    data = services.week_progress(campaign, services.default_week(campaign))
    assert len(data["villages"]) == 2 and len(data["villages"][0]["quotas"]) == 2

    out = StringIO()
    demo.load(geography, out)
    assert Task.objects.count() == 3 and TaskProgress.objects.exists()
    from django.utils import timezone

    rows = services.task_lights(staff, f"{timezone.localdate():%Y-%m}", "town")
    assert rows and {r.light for r in rows} <= {"green", "yellow", "red"}
    assert "loaded" in out.getvalue()
