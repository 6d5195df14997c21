import pytest

from demo import geography as demo
from demo import problems as patrol_demo
from geo.models import District
from patrol.models import Issue, IssueEvent

pytestmark = pytest.mark.django_db


def test_demo_problems_run_through_the_loop():
    demo.generate(log=lambda *a: None)
    district = District.objects.get()
    count = patrol_demo.load(district, per_village=4)
    assert count == Issue.objects.count() > 150
    statuses = set(Issue.objects.values_list("status", flat=True))
    assert {"closed", "assigned"} <= statuses
    # Every issue has its report event first, and every closed one a verify event.
    assert IssueEvent.objects.filter(action="report").count() == count
    assert not Issue.objects.filter(status="closed").exclude(events__action="verify").exists()
    # Rebound hotspots were seeded: some problems came back within 30 m of closed ones.
    assert Issue.objects.filter(rebound_of__isnull=False).count() >= 3
    first = list(Issue.objects.order_by("reported_at", "id").values_list("category_id", "village_id")[:20])
    assert len(set(first)) > 5
