"""One light rule (issue 25): the problem light and the area light are each one Django expression
(patrol.lights), used in the ORM and rendered to SQL for the raw queries. Python, ORM and every raw query agree on
every state × deadline × supervision case."""
import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import IntegerField, Value
from django.utils import timezone

from assessment import monthly
from core.months import month_end
from patrol import history, lights
from patrol.models import Issue
from patrol.querysets import light_of
from tests.factories import V1, make_issue

pytestmark = pytest.mark.django_db

STATES = ("reported", "assigned", "submitted", "closed")
SUPERVISION = (False, True)


def deadlines(day):
    return {"none": None, "past": day - timedelta(days=1), "today": day, "future": day + timedelta(days=1)}


def expected(status, red, deadline, day):
    """The rule by hand: closed → green; open and (red supervision or deadline before the day) → red; else yellow."""
    if status == "closed":
        return "green"
    return "red" if red or (deadline is not None and deadline < day) else "yellow"


@pytest.fixture
def cases(people):
    """One problem per state × deadline × supervision, 32 in all, in V1 (rows written directly: the light reads
    only the row), besides the reported problem they are copied from."""
    day = timezone.localdate()
    seed = make_issue(people["inspector"], V1)
    out = {}
    for status, deadline, red in itertools.product(STATES, deadlines(day).values(), SUPERVISION):
        issue = Issue.objects.get(pk=seed.pk)
        issue.pk, issue.client_uuid = None, uuid.uuid4()
        issue.status, issue.deadline, issue.red_supervision = status, deadline, red
        issue.closed_at = timezone.now() - timedelta(hours=1) if status == "closed" else None
        issue.save()
        out[issue.pk] = (status, red, deadline)
    return day, out, seed


def test_python_orm_and_sql_agree_on_every_case(cases):
    day, rows, seed = cases
    assert len(rows) == 32
    by_hand = {pk: expected(*values, day) for pk, values in rows.items()}
    assert set(by_hand.values()) == {"red", "yellow", "green"}
    # Python
    assert {pk: lights.light(s, r, d, day) for pk, (s, r, d) in rows.items()} == by_hand
    assert {i.pk: light_of(i, day) for i in Issue.objects.filter(pk__in=rows)} == by_hand
    # ORM (the list API's annotation and filter)
    qs = Issue.objects.filter(pk__in=rows)
    assert dict(qs.with_light(day).values_list("pk", "light")) == by_hand
    for light in ("red", "yellow", "green"):
        assert set(qs.light(light, day).values_list("pk", flat=True)) == {k for k, v in by_hand.items() if v == light}
    # SQL rendered from the same expression, over a raw query
    sql = lights.problem_light_sql("i.status", "i.red_supervision", "i.deadline", "%(day)s")
    with connection.cursor() as cur:
        cur.execute(f"SELECT i.id, {sql} FROM patrol_issue i WHERE i.id = ANY(%(ids)s)",
                    {"day": day, "ids": list(rows)})
        assert dict(cur.fetchall()) == by_hand
    # the raw queries that use it: month-end states (patrol.history) now, and the month rebuild's light counts
    states = {s.id: s.light for s in history.states_at(timezone.now(), V1, day=day)}
    assert {pk: states[pk] for pk in rows} == by_hand
    counts = monthly.month_metrics(day.replace(day=1), V1)[V1]["lights"]
    month_day = month_end(day.replace(day=1))[1]
    at_month_end = [expected(*values, month_day) for values in rows.values()]
    at_month_end.append(expected(seed.status, seed.red_supervision, seed.deadline, month_day))
    assert counts == {k: at_month_end.count(k) for k in ("red", "yellow", "green")}


def test_area_light_in_python_orm_and_sql():
    """Any red → red; else any yellow → yellow; else green."""
    combos = list(itertools.product((0, 1, 3), (0, 2)))
    want = {(r, y): "red" if r else "yellow" if y else "green" for r, y in combos}
    assert {(r, y): lights.area_light_of({"red": r, "yellow": y, "green": 5}) for r, y in combos} == want
    for r, y in combos:
        orm = (ContentType.objects.annotate(a=lights.area_light(Value(r, IntegerField()), Value(y, IntegerField())))
               .values_list("a", flat=True)[:1])
        assert list(orm) == [want[(r, y)]]
        with connection.cursor() as cur:
            cur.execute(f"SELECT {lights.area_light_sql('%(r)s', '%(y)s')}", {"r": r, "y": y})
            assert cur.fetchone()[0] == want[(r, y)]


def test_the_day_stays_a_bound_placeholder():
    sql = lights.problem_light_sql("q.status", "q.red_supervision", "q.deadline", "%s")
    assert sql.count("%s") == 1 and "'closed'" in sql and "'green'" in sql and "'red'" in sql
