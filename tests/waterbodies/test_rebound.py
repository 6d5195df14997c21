"""The black-odorous list's rebound rule, worked by hand on the test geography (tests/factories.py).

Plan 004 (十二): "加强水体动态排查整治，建立动态问题清单，将新发现的黑臭水体及时纳入监管清单，分期分批实施整治，
采取控源截污、清淤疏浚、水系连通、生态修复等方式综合治理，实现水体有效治理和管护，杜绝返黑返臭。"

The pond is the box lon 121.402–121.404, lat 31.105–31.107 in 甲村; the ditch the line from (121.421, 31.101) to
(121.439, 31.101) in 乙村, 1.7 km long. DUPLICATE_DISTANCE_M is 20 m.
"""
import pytest
from django.contrib.gis.geos import LineString, Polygon

from tests.factories import V1, V2, make_issue, metres_east
from waterbodies import services
from waterbodies.models import Status, StatusChange, WaterBody

pytestmark = pytest.mark.django_db

POND = Polygon.from_bbox((121.402, 31.105, 121.404, 31.107))
DITCH = LineString((121.421, 31.101), (121.439, 31.101))
METRES_PER_DEGREE_LAT = 110_860  # near 31° N (WGS-84 meridian arc), to a few metres per degree


def listed(people, geom, name, status, village=None):
    body, _ = services.list_water_body(people["district"], geometry=geom.json, name=name, status=status,
                                       village=village)
    return body


def test_an_eliminated_pond_reported_black_again_within_20_m_of_its_shore_turns_rebounded(people):
    """004 (十二) "…实现水体有效治理和管护，杜绝返黑返臭。": a black_water problem 15 m east of the pond's east shore
    lies in the pond buffered by 20 m: the pond, eliminated, turns 返黑返臭 and the problem is linked to it; its
    history names the problem."""
    pond = listed(people, POND, "甲村东塘", Status.ELIMINATED)
    issue = make_issue(people["inspector"], category="black_water", lon=metres_east(121.404, 31.106, 15), lat=31.106)
    pond.refresh_from_db()
    issue.refresh_from_db()
    assert pond.status == Status.REBOUNDED
    assert issue.water_body == pond.pk
    last = pond.history.order_by("-at", "-id").first()
    assert (last.from_status, last.to_status, last.issue) == ("eliminated", "rebounded", issue.pk)
    assert f"#{issue.pk}" in last.note


def test_a_report_25_m_off_the_shore_is_not_on_the_pond(people):
    pond = listed(people, POND, "甲村东塘", Status.ELIMINATED)
    issue = make_issue(people["inspector"], category="black_water", lon=metres_east(121.404, 31.106, 25), lat=31.106)
    pond.refresh_from_db()
    issue.refresh_from_db()
    assert pond.status == Status.ELIMINATED
    assert issue.water_body is None
    assert pond.history.count() == 1  # only its listing


def test_anywhere_along_a_ditch_counts_not_only_near_its_middle(people):
    """A report 10 m north of the ditch 1.6 km from its start — far beyond any 30 m radius of a point on it — is on
    the ditch: its extent, buffered by 20 m, decides."""
    ditch = listed(people, DITCH, "乙村排水沟", Status.ELIMINATED)
    lat = 31.101 + 10 / METRES_PER_DEGREE_LAT
    issue = make_issue(people["inspector"], village=V2, category="black_water", lon=121.4375, lat=lat)
    ditch.refresh_from_db()
    issue.refresh_from_db()
    assert (ditch.status, issue.water_body) == (Status.REBOUNDED, ditch.pk)


def test_a_reported_extent_overlapping_the_pond_links_it_though_the_point_is_off(people):
    """The report's point is 60 m east of the shore, but the extent drawn with it reaches into the pond."""
    pond = listed(people, POND, "甲村东塘", Status.ELIMINATED)
    lon = metres_east(121.404, 31.106, 60)
    extent = LineString((lon, 31.106), (121.4035, 31.106), srid=4326)
    issue = make_issue(people["inspector"], category="black_water", lon=lon, lat=31.106, extent=extent.json)
    pond.refresh_from_db()
    issue.refresh_from_db()
    assert (pond.status, issue.water_body) == (Status.REBOUNDED, pond.pk)


def test_other_categories_and_other_statuses(people):
    """A dry-toilet problem in the pond changes nothing; a black_water report on a pond still black-odorous or under
    treatment is linked to it (project default) but does not change its status; a rebounded pond stays rebounded."""
    pond = listed(people, POND, "甲村东塘", Status.ELIMINATED)
    other = make_issue(people["inspector"], category="dry_toilet", lon=121.403, lat=31.106)
    pond.refresh_from_db()
    other.refresh_from_db()
    assert (pond.status, other.water_body) == (Status.ELIMINATED, None)

    treating = listed(people, Polygon.from_bbox((121.410, 31.105, 121.412, 31.107)), "甲村西塘", Status.TREATING)
    linked = make_issue(people["inspector"], category="black_water", lon=121.411, lat=31.106)
    treating.refresh_from_db()
    linked.refresh_from_db()
    assert (treating.status, linked.water_body) == (Status.TREATING, treating.pk)

    make_issue(people["inspector"], category="black_water", lon=121.403, lat=31.106)
    make_issue(people["inspector"], category="black_water", lon=121.4031, lat=31.1061)
    pond.refresh_from_db()
    assert pond.status == Status.REBOUNDED
    assert pond.history.filter(to_status="rebounded").count() == 1


def test_the_nearest_of_two_water_bodies_gets_the_report(people):
    """Two ponds 30 m apart; a report 5 m off the first and 25 m off the second belongs to the first."""
    first = listed(people, POND, "一号塘", Status.ELIMINATED)
    x = metres_east(121.404, 31.106, 30)
    second = listed(people, Polygon.from_bbox((x, 31.105, x + 0.001, 31.107)), "二号塘", Status.ELIMINATED)
    issue = make_issue(people["inspector"], category="black_water", lon=metres_east(121.404, 31.106, 5), lat=31.106)
    first.refresh_from_db()
    second.refresh_from_db()
    issue.refresh_from_db()
    assert issue.water_body == first.pk
    assert (first.status, second.status) == (Status.REBOUNDED, Status.ELIMINATED)


def test_the_history_is_append_only(people):
    from django.db import DatabaseError, transaction

    pond = listed(people, POND, "甲村东塘", Status.BLACK_ODOROUS)
    services.change_status(people["town"], pond.pk, "treating", "清淤疏浚")
    assert list(pond.history.values_list("to_status", flat=True)) == ["black_odorous", "treating"]
    with pytest.raises(DatabaseError), transaction.atomic():
        StatusChange.objects.filter(water_body=pond).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        StatusChange.objects.filter(water_body=pond).delete()
    assert WaterBody.objects.get(pk=pond.pk).status == "treating"


def test_a_retried_report_does_not_rebound_twice(people):
    import uuid

    from patrol.services import report_issue

    pond = listed(people, POND, "甲村东塘", Status.ELIMINATED)
    key = uuid.uuid4()
    for _ in range(2):
        report_issue(people["inspector"], lon=121.403, lat=31.106, category="black_water", client_uuid=key)
    assert pond.history.filter(to_status="rebounded").count() == 1


def test_the_responsible_village_is_where_the_water_lies_unless_named(people):
    pond = listed(people, POND, "甲村东塘", Status.BLACK_ODOROUS)
    assert (pond.village_id, pond.town_id, pond.grid_id) == (V1, "310112102", V1 + "001")
    named = listed(people, Polygon.from_bbox((121.4195, 31.105, 121.4199, 31.107)), "界塘", Status.BLACK_ODOROUS,
                   village=V2)
    assert (named.village_id, named.grid_id) == (V2, None)
