"""Month-end reconstruction: a past month does not change when a problem changes today."""
from datetime import timedelta

import pytest

from core.months import month_bounds
from patrol.history import area_lights, states_at, states_at_month_end
from patrol.services import add_photo, transition_issue
from tests.factories import V1, V2, at, make_issue, make_user, tiny_jpeg

pytestmark = pytest.mark.django_db


def test_states_follow_the_events_not_todays_row(people):
    inspector, town, cun = people["inspector"], people["town"], people["village"]
    issue = make_issue(inspector, V1, category="clutter", reported_at=at(2026, 3, 2))
    transition_issue(town, issue.pk, "assign", now=at(2026, 3, 3), deadline="2026-03-10")
    # End of March: assigned, deadline passed → red.
    (march,) = states_at_month_end("2026-03")
    assert (march.status, march.deadline.isoformat(), march.light) == ("assigned", "2026-03-10", "red")
    add_photo(cun, issue.pk, tiny_jpeg(), "after")
    transition_issue(cun, issue.pk, "submit", now=at(2026, 4, 5))
    transition_issue(town, issue.pk, "verify", now=at(2026, 4, 6))
    # Closing it in April leaves March as it was.
    assert states_at_month_end("2026-03")[0].light == "red"
    (april,) = states_at_month_end("2026-04")
    assert (april.status, april.light, april.closed_at) == ("closed", "green", at(2026, 4, 6))
    # A later re-inspection that found it held leaves its closing time alone.
    from patrol.services import draw_reinspection, record_reinspection

    (sample,) = draw_reinspection("2026-05")
    record_reinspection(inspector, sample.pk, "held", now=at(2026, 5, 9))
    assert states_at_month_end("2026-05")[0].closed_at == at(2026, 4, 6)
    # Not yet reported at the end of February.
    assert states_at_month_end("2026-02") == []


def test_supervision_and_its_end_are_read_from_history(people):
    inspector, district = people["inspector"], people["district"]
    issue = make_issue(inspector, V2, reported_at=at(2026, 5, 1))
    transition_issue(district, issue.pk, "assign", now=at(2026, 5, 2), deadline="2026-06-30")
    transition_issue(district, issue.pk, "supervise", now=at(2026, 5, 20))
    assert states_at_month_end("2026-05")[0].light == "red"
    transition_issue(district, issue.pk, "release", now=at(2026, 6, 3))
    assert states_at_month_end("2026-06")[0].light == "yellow"
    assert states_at_month_end("2026-05")[0].red_supervision is True


def test_area_lights_and_scope(people):
    inspector, town = people["inspector"], people["town"]
    red = make_issue(inspector, V1, reported_at=at(2026, 3, 1))
    transition_issue(town, red.pk, "assign", now=at(2026, 3, 1), deadline="2026-03-05")
    make_issue(inspector, V2, reported_at=at(2026, 3, 1))  # reported, no deadline: yellow
    states = states_at_month_end("2026-03", "310112")
    lights = area_lights(states, key=lambda s: s.village_id)
    assert lights[V1] == {"red": 1, "yellow": 0, "green": 0, "light": "red"}
    assert lights[V2]["light"] == "yellow"
    assert [s.village_id for s in states_at_month_end("2026-03", V2)] == [V2]
    start, end = month_bounds("2026-03")
    assert end - start == timedelta(days=31)
    assert states_at(start, "310112") == []


def test_rows_untouched_since_and_rebuilt_rows_agree(people):
    """The same month read when nothing happened since (rows) and after later changes (events) agree."""
    inspector, town, cun = people["inspector"], people["town"], people["village"]
    issues = [make_issue(inspector, v, reported_at=at(2026, 6, d)) for v, d in ((V1, 2), (V2, 3), (V1, 4))]
    transition_issue(town, issues[0].pk, "assign", now=at(2026, 6, 5), deadline="2026-06-20")
    transition_issue(town, issues[1].pk, "assign", now=at(2026, 6, 5), deadline="2026-07-20")
    add_photo(cun, issues[0].pk, tiny_jpeg(), "after")
    transition_issue(cun, issues[0].pk, "submit", now=at(2026, 6, 10))
    transition_issue(town, issues[0].pk, "verify", now=at(2026, 6, 11))
    before = sorted(states_at_month_end("2026-06", "310112"))  # nothing after June: read from rows
    transition_issue(town, issues[2].pk, "assign", now=at(2026, 7, 2), deadline="2026-07-09")
    transition_issue(make_user("district", "310112"), issues[1].pk, "supervise", now=at(2026, 7, 3))
    assert sorted(states_at_month_end("2026-06", "310112")) == before  # now two are rebuilt from events
    july = {s.id: s.light for s in states_at_month_end("2026-07", "310112")}
    assert july == {issues[0].pk: "green", issues[1].pk: "red", issues[2].pk: "red"}


@pytest.mark.django_db(transaction=True)
def test_month_lights_read_side_by_side_agree_with_the_rebuilt_states(people):
    """layers.queries.month_light_counts outside any transaction counts the touched and untouched problems on two
    connections in one snapshot; the counts are those of the states rebuilt one by one, and those of the
    one-connection path taken inside a transaction."""
    from django.db import transaction

    from accounts.models import User
    from layers.queries import month_light_counts

    inspector, town, cun = people["inspector"], people["town"], people["village"]
    issues = [make_issue(inspector, v, reported_at=at(2026, 6, d)) for v, d in ((V1, 2), (V2, 3), (V1, 4), (V2, 5))]
    transition_issue(town, issues[0].pk, "assign", now=at(2026, 6, 5), deadline="2026-06-20")
    transition_issue(town, issues[1].pk, "assign", now=at(2026, 6, 5), deadline="2026-07-20")
    add_photo(cun, issues[0].pk, tiny_jpeg(), "after")
    transition_issue(cun, issues[0].pk, "submit", now=at(2026, 6, 10))
    transition_issue(town, issues[0].pk, "verify", now=at(2026, 6, 11))
    transition_issue(town, issues[2].pk, "assign", now=at(2026, 7, 2), deadline="2026-07-09")  # touched later
    transition_issue(people["district"], issues[1].pk, "supervise", now=at(2026, 7, 3))
    make_issue(inspector, V1, reported_at=at(2026, 7, 4))  # after June: in no June count

    district = User.objects.get(pk=people["district"].pk)
    expected = {}
    for s in states_at_month_end("2026-06", district.area_code):
        key = (s.village_id, s.town_id, s.light)
        expected[key] = expected.get(key, 0) + 1

    def counts(rows):
        out = {}
        for village, town_code, light, n in rows:
            out[(village, town_code, light)] = out.get((village, town_code, light), 0) + n
        return out

    side_by_side = counts(month_light_counts(district, "2026-06"))
    with transaction.atomic():
        one_after_the_other = counts(month_light_counts(district, "2026-06"))
    assert side_by_side == one_after_the_other == expected
    assert sum(expected.values()) == 4
    assert expected[(V1, V1[:9], "green")] == 1 and expected[(V2, V2[:9], "yellow")] == 2
