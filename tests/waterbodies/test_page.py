"""The list page (/water-bodies/): the area's list, counts per status, a status change through the same service as
the API (a message after it, the error next to the field, a resent form acting once), no write button for leaders."""
import pytest
from django.contrib.gis.geos import Polygon

from tests.factories import DISTRICT, make_user
from waterbodies import services
from waterbodies.models import WaterBody

pytestmark = pytest.mark.django_db

PAGE = "/water-bodies/"


@pytest.fixture
def waters(people):
    district = people["district"]
    pond, _ = services.list_water_body(district, geometry=Polygon.from_bbox((121.402, 31.105, 121.404, 31.107)).json,
                                       name="甲村东塘")
    river, _ = services.list_water_body(district, geometry=Polygon.from_bbox((121.445, 31.105, 121.447, 31.107)).json,
                                        name="丙村河道", kind="river", status="eliminated")
    return pond, river


def test_town_staff_see_their_towns_list_and_change_a_status(client, people, waters):
    pond, river = waters
    client.force_login(people["town_a"])
    r = client.get(PAGE)
    text = r.content.decode()
    assert r.status_code == 200 and "甲村东塘" in text and "丙村河道" not in text
    assert 'data-status="black_odorous">黑臭 1<' in text and "变更状态" in text
    r = client.post(PAGE, {"water_body": pond.pk, "status": "treating", "note": "清淤疏浚", "form_token": "t-1"},
                    follow=True)
    assert "已将“甲村东塘”改为整治中" in r.content.decode()
    again = client.post(PAGE, {"water_body": pond.pk, "status": "eliminated", "form_token": "t-1"}, follow=True)
    assert "已经提交过" in again.content.decode()
    assert list(WaterBody.objects.get(pk=pond.pk).history.values_list("to_status", flat=True)) == [
        "black_odorous", "treating"]
    # another town's water body is out of reach from the page too
    r = client.post(PAGE, {"water_body": river.pk, "status": "rebounded", "form_token": "t-2"})
    assert r.status_code == 400 and WaterBody.objects.get(pk=river.pk).status == "eliminated"


def test_a_bad_status_is_shown_next_to_the_field(client, people, waters):
    pond, _ = waters
    client.force_login(people["town_a"])
    r = client.post(PAGE, {"water_body": pond.pk, "status": "gone", "note": "x", "form_token": "t-3"})
    assert r.status_code == 400
    text = r.content.decode()
    row = text[text.index(f'data-testid="water-{pond.pk}"'):]
    assert 'data-testid="field-error">status 应为' in row[:row.index("</tr>")]
    assert WaterBody.objects.get(pk=pond.pk).history.count() == 1


def test_leaders_read_without_a_write_button(client, waters):
    client.force_login(make_user("leader", DISTRICT))
    r = client.get(PAGE)
    text = r.content.decode()
    assert r.status_code == 200 and "甲村东塘" in text and "丙村河道" in text and "变更状态" not in text


def test_a_bad_filter_is_named(client, people, waters):
    client.force_login(people["district"])
    r = client.get(PAGE, {"status": "dry"})
    assert r.status_code == 400 and "status 应为" in r.content.decode()
