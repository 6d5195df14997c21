"""A report's two rows go in through one prepared statement (Issue.objects.insert_with_event): they must be what
the ORM's two saves store, column for column, and refuse what save() refuses."""
import uuid
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from patrol.models import Issue, IssueEvent
from tests.factories import V1, make_issue, village_point


def _pair(people, **overrides):
    lon, lat = village_point(V1)
    inspector = people["inspector"]
    earlier = make_issue(inspector)
    fields = dict(
        location=Point(lon, lat, srid=4326), extent=Polygon.from_bbox((lon, lat, lon + 1e-4, lat + 1e-4)),
        category_id="shack", description="路边窝棚，约 3 米", source="third_party", reporter=inspector,
        reported_at=timezone.now() - timedelta(hours=2), town_id=earlier.town_id, village_id=V1,
        grid_id=earlier.grid_id, deadline=date(2026, 12, 31), assignee="张三", rebound_of=earlier,
        client_uuid=uuid.uuid4(), accuracy_m=4.5, crs="gcj02", campaign=7,
    )
    fields.update(overrides)
    issue = Issue(**fields)
    event = IssueEvent(action="report", to_status="reported", actor=inspector, at=fields["reported_at"],
                       location=issue.location, data={"rebound_of": earlier.pk, "campaign": 7})
    return issue, event


def _row(model, pk, *skip):
    row = model.objects.filter(pk=pk).values().get()
    for key in ("id", *skip):
        row.pop(key)
    return row


def test_the_one_statement_stores_what_the_two_saves_store(people):
    issue, event = _pair(people)
    Issue.objects.insert_with_event(issue, event)
    assert issue.pk and event.pk and event.issue_id == issue.pk and not issue._state.adding

    twin, twin_event = _pair(people, client_uuid=uuid.uuid4())
    for name in ("reported_at", "rebound_of_id", "town_id", "grid_id"):
        setattr(twin, name, getattr(issue, name))
    twin_event.at, twin_event.data = event.at, event.data
    twin.save()
    twin_event.issue = twin
    twin_event.save()

    assert _row(Issue, issue.pk, "client_uuid") == _row(Issue, twin.pk, "client_uuid")
    assert _row(IssueEvent, event.pk, "issue_id") == _row(IssueEvent, twin_event.pk, "issue_id")
    stored = Issue.objects.get(pk=issue.pk)
    assert stored.extent.equals(issue.extent) and stored.location.coords == issue.location.coords
    assert IssueEvent.objects.get(pk=event.pk).data == {"rebound_of": issue.rebound_of_id, "campaign": 7}


def test_it_refuses_what_save_refuses_and_stores_nothing(people):
    issue, event = _pair(people)
    Issue.objects.insert_with_event(issue, event)
    again, again_event = _pair(people, client_uuid=issue.client_uuid)
    too_long, too_long_event = _pair(people, assignee="长" * 101)
    count = Issue.objects.count(), IssueEvent.objects.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.insert_with_event(again, again_event)
    with pytest.raises(DataError), transaction.atomic():
        Issue.objects.insert_with_event(too_long, too_long_event)
    assert (Issue.objects.count(), IssueEvent.objects.count()) == count


@pytest.mark.django_db(transaction=True)
def test_a_report_outside_any_transaction_is_stored_once_and_a_listener_failing_stores_nothing(people):
    """Outside any transaction (a request is not atomic here) the report and its event are stored once and a retry
    returns the stored one. Listeners of issue_reported (the water bodies' and problem toilets' checks, and any
    other) run in one transaction with both rows, so a listener's failure leaves nothing behind."""
    from django.db import connection

    from patrol import services, signals

    assert not connection.in_atomic_block
    lon, lat = village_point(V1)
    key = uuid.uuid4()
    first = services.report_issue(people["inspector"], lon=lon, lat=lat, category="shack", client_uuid=key)
    again = services.report_issue(people["inspector"], lon=lon, lat=lat, category="shack", client_uuid=key)
    assert first.created and not again.created and again.issue.pk == first.issue.pk
    assert Issue.objects.filter(client_uuid=key).count() == 1
    assert list(IssueEvent.objects.filter(issue=first.issue).values_list("action", flat=True)) == ["report"]

    def refuse(**kwargs):
        assert IssueEvent.objects.filter(issue=kwargs["issue"]).exists()  # written, in the listener's transaction
        raise RuntimeError("listener failed")

    signals.issue_reported.connect(refuse, sender=Issue)
    try:
        other = uuid.uuid4()
        with pytest.raises(RuntimeError):
            services.report_issue(people["inspector"], lon=lon, lat=lat, category="shack", client_uuid=other)
    finally:
        signals.issue_reported.disconnect(refuse, sender=Issue)
    assert not Issue.objects.filter(client_uuid=other).exists()
    assert IssueEvent.objects.count() == 1
