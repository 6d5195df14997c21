"""The demo's year of problems is told by several processes side by side (demo.problems.load, workers): the result
must be the same problems with the same histories as one process tells them, and as large as before."""
import hashlib
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from demo import geography as demo
from demo import problems as patrol_demo
from geo.models import District
from patrol.models import Issue, IssueEvent, Photo, ReinspectionSample
from tests.factories import seed_categories

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)


def fingerprint():
    """Every problem, event, photo and re-inspection sample, named by what it is rather than by its id (the
    parallel load numbers them in no fixed order)."""
    uid = dict(Issue.objects.values_list("id", "client_uuid"))
    photo_sha = dict(Photo.objects.values_list("id", "sha256"))
    sample_of = dict(ReinspectionSample.objects.values_list("id", "issue_id"))
    rows = []
    for i in Issue.objects.select_related("reporter"):
        rows.append(("issue", str(i.client_uuid), i.category_id, i.source, i.description, round(i.location.x, 9),
                     round(i.location.y, 9), i.town_id, i.village_id, i.grid_id, i.status, i.reported_at.isoformat(),
                     str(i.closed_at), str(i.deadline), i.red_supervision, str(i.supervised_at), i.assignee,
                     str(uid.get(i.rebound_of_id)), i.reporter.username))
    for e in IssueEvent.objects.select_related("actor"):
        data = dict(e.data)
        if "photos" in data:
            data["photos"] = sorted(photo_sha[p] for p in data["photos"])
        if "rebound_of" in data:
            data["rebound_of"] = str(uid[data["rebound_of"]])
        for key in ("sample", "reinspection"):
            if key in data:
                data[key] = str(uid[sample_of[data[key]]])
        rows.append(("event", str(uid[e.issue_id]), e.action, e.from_status, e.to_status,
                     e.actor.username if e.actor else "", e.at.isoformat(), e.note,
                     photo_sha.get(e.photo_id), json.dumps(data, sort_keys=True)))
    for p in Photo.objects.select_related("submitted_with", "uploaded_by"):
        rows.append(("photo", str(uid[p.issue_id]), p.kind, p.sha256, p.uploaded_by.username,
                     p.submitted_with and (p.submitted_with.action, p.submitted_with.at.isoformat())))
    for s in ReinspectionSample.objects.select_related("recorded_by"):
        rows.append(("sample", str(uid[s.issue_id]), s.month.isoformat(), s.village_id, s.result,
                     s.recorded_by.username if s.recorded_by else "", str(s.recorded_at), s.note))
    rows.sort(key=repr)
    return hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows)


def run(workers):
    demo.generate(log=lambda *a: None)
    district = District.objects.get()
    count = patrol_demo.load(district, per_village=3, today=TODAY, now=NOW, workers=workers)
    return count, fingerprint()


@pytest.mark.django_db(transaction=True)
def test_parallel_demo_tells_the_same_problems_and_histories_as_one_process(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    count2, (print2, rows2) = run(workers=2)
    assert count2 > 100 and IssueEvent.objects.filter(action="verify").exists()
    assert IssueEvent.objects.filter(action="reinspect").exists() and Issue.objects.filter(rebound_of__isnull=False)
    call_command("flush", interactive=False, verbosity=0)
    seed_categories()
    count1, (print1, rows1) = run(workers=1)
    assert (count1, rows1) == (count2, rows2)
    assert print1 == print2


@pytest.mark.django_db
def test_demo_keeps_its_size_and_splits_into_independent_groups():
    demo.generate(log=lambda *a: None)
    district = District.objects.get()
    villages, plans, _ = patrol_demo.plan(district)
    # The demo's year as it was before the parallel load: 1,333 problems in 44 villages (per_village=30).
    assert (len(villages), len(plans)) == (44, 1333)
    again = patrol_demo.plan(district)[1]
    assert [(d, v.code, p, c) for d, v, p, c in again] == [(d, v.code, p, c) for d, v, p, c in plans]
    parts = patrol_demo.groups(plans, 30)
    assert len(parts) >= 2 and sorted(n for part in parts for n in part) == list(range(len(plans)))


def test_towns_with_problems_of_one_category_near_each_other_are_one_group():
    def p(town, lon, lat, category):
        return (date(2026, 1, 1), SimpleNamespace(town_id=town, code=town + "201"), (lon, lat), category)

    plans = [p("A", 121.0, 31.0, "clutter"), p("B", 121.0002, 31.0, "clutter"),  # ~19 m apart: joined
             p("C", 121.0, 31.0001, "shack"),  # ~11 m from A but another category: own group
             p("D", 121.01, 31.0, "clutter")]  # ~950 m away: own group
    assert patrol_demo.groups(plans, 30) == [[0, 1], [2], [3]]
