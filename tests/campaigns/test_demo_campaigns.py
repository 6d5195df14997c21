from io import StringIO

from campaigns import services
from campaigns.models import Campaign, Task, TaskProgress
from tests.factories import DISTRICT, TOWN_A, make_user


def test_demo_loader_makes_a_running_campaign_and_a_task_list_with_lights(geography):
    staff = make_user("district", DISTRICT)
    make_user("town", TOWN_A)
    from demo import campaigns as demo

    out = StringIO()
    demo.load(geography, out)
    campaign = Campaign.objects.get()
    data = services.week_progress(campaign, services.default_week(campaign))
    assert len(data["villages"]) == 4 and len(data["villages"][0]["quotas"]) == 2
    assert Task.objects.count() == 3 and TaskProgress.objects.exists()
    from django.utils import timezone

    rows = services.task_lights(staff, f"{timezone.localdate():%Y-%m}", "town")
    assert rows and {r.light for r in rows} <= {"green", "yellow", "red"}
    assert "loaded" in out.getvalue()
