"""The benchmark loader: idempotent, problems inside their grid, history consistent with today's rows."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench.data import ensure_issues
from patrol.history import states_at
from patrol.models import Issue, IssueEvent

pytestmark = pytest.mark.django_db


def test_ensure_issues_loads_consistent_problems_once(geography):
    assert ensure_issues(400, log=lambda *a: None) == 400
    assert ensure_issues(400, log=lambda *a: None) == 0
    assert Issue.objects.count() == 400
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*) FROM patrol_issue i JOIN geo_grid g ON g.code = i.grid_id
                       WHERE ST_Intersects(g.boundary, i.location) AND g.village_id = i.village_id""")
        assert cur.fetchone()[0] == 400
    # Rebuilt from the events, every problem stands where its row says it stands now. A later event on every
    # problem (a re-inspection a minute on, changing nothing) makes states_at rebuild each from its history
    # instead of reading the untouched row.
    now = timezone.now()
    rows = {i.pk: i for i in Issue.objects.with_light()}
    IssueEvent.objects.bulk_create(
        IssueEvent(issue_id=pk, action="reinspect", from_status=i.status, to_status=i.status,
                   at=now + timedelta(minutes=1), data={"result": "held"}) for pk, i in rows.items())
    states = states_at(now)
    assert len(states) == 400
    for s in states:
        issue = rows[s.id]
        assert (s.status, s.deadline, s.red_supervision, s.light) == (
            issue.status, issue.deadline, issue.red_supervision, issue.light), s
    assert {s.status for s in states} == {"reported", "assigned", "submitted", "closed"}
    assert Issue.objects.filter(rebound_of__isnull=False).exists()
    assert ensure_issues(450, log=lambda *a: None) == 50
