"""The problem-toilet list fed by inspectors' problem_toilet problems, with the plan's three kinds.

Plan 004 (十三): "深入开展“问题厕所”排查整改工作，聚焦“不能用、不好用、不能常年用”的突出问题，建立问题清单和整改台账，
因地制宜抓好整改".

F1 is a household toilet at (121.405, 31.11) in 甲村; F4 a garbage point at the same spot (no toilet).
DUPLICATE_DISTANCE_M is 20 m.
"""
import re
from io import BytesIO

import pytest
from django.urls import reverse

from facilities import services
from facilities.models import Facility
from tests.factories import close_issue, make_issue, metres_east

pytestmark = pytest.mark.django_db

F1_LON, F1_LAT = 121.405, 31.11


def ledger_rows(client):
    from openpyxl import load_workbook

    r = client.get(reverse("facilities:ledger"))
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_an_inspectors_problem_8_m_from_a_toilet_puts_it_on_the_ledger_with_its_kind(facilities, people, login):
    """"聚焦“不能用、不好用、不能常年用”…建立问题清单和整改台账": a problem_toilet problem 8 m east of F1 saying 不好用
    puts F1 on the problem-toilet ledger as 不好用, the problem named; the garbage point beside it is no toilet."""
    issue = make_issue(people["inspector"], category="problem_toilet", lon=metres_east(F1_LON, F1_LAT, 8),
                       lat=F1_LAT, description="不好用：冲水不畅")
    f1 = Facility.objects.get(code="F1")
    assert (f1.status, f1.problem_kind, f1.problem_issue_id) == ("problem", "hard_to_use", issue.pk)
    assert Facility.objects.get(code="F4").status == "in_use"
    rows = ledger_rows(login(people["town"]))
    assert [(r["设施编码"], r["问题类型"], r["问题原因"], r["关联问题编号"], r["整改状态"]) for r in rows] == [
        ("F1", "不好用", "不好用：冲水不畅", str(issue.pk), "整改中")]


@pytest.mark.parametrize("description, kind, label", [
    ("户厕不能用，便器破损", "unusable", "不能用"),
    ("冬季冻裂，不能常年用", "not_year_round", "不能常年用"),
    ("厕屋漏雨", "", "待认定"),
    ("不能用也不好用", "", "待认定"),  # two kinds named: staff decide
])
def test_the_kind_is_the_one_the_description_names(facilities, people, login, description, kind, label):
    make_issue(people["inspector"], category="problem_toilet", lon=F1_LON, lat=F1_LAT, description=description)
    assert Facility.objects.get(code="F1").problem_kind == kind
    assert ledger_rows(login(people["town"]))[0]["问题类型"] == label


def test_a_problem_25_m_away_or_of_another_category_leaves_the_toilet_alone(facilities, people):
    make_issue(people["inspector"], category="problem_toilet", lon=metres_east(F1_LON, F1_LAT, 25), lat=F1_LAT,
               description="不能用")
    make_issue(people["inspector"], category="dry_toilet", lon=F1_LON, lat=F1_LAT, description="不能用")
    f1 = Facility.objects.get(code="F1")
    assert (f1.status, f1.problem_kind, f1.problem_issue_id) == ("in_use", "", None)


def test_closing_the_problem_takes_the_toilet_off_the_list(facilities, people, login):
    issue = make_issue(people["inspector"], category="problem_toilet", lon=F1_LON, lat=F1_LAT, description="不能用")
    close_issue(issue, people["town"], people["village"])
    f1 = Facility.objects.get(code="F1")
    assert (f1.status, f1.problem_kind, f1.problem_issue_id) == ("in_use", "", None)
    assert ledger_rows(login(people["town"])) == []


def test_an_open_repair_order_keeps_it_on_the_list_after_the_problem_closes(facilities, people):
    services.report("F1", "repair", note="水箱坏了")
    issue = make_issue(people["inspector"], category="problem_toilet", lon=F1_LON, lat=F1_LAT, description="不能用")
    f1 = Facility.objects.get(code="F1")
    assert (f1.status, f1.problem_kind, f1.problem_issue_id) == ("problem", "unusable", issue.pk)
    close_issue(issue, people["town"], people["village"])
    assert Facility.objects.get(code="F1").status == "problem"


def test_a_villagers_scan_is_not_linked_as_an_inspectors_problem_but_its_note_names_the_kind(facilities):
    outcome = services.report("F1", "repair", note="不能常年用了，冬天水管冻住")
    f1 = Facility.objects.get(code="F1")
    assert f1.status == "problem" and f1.problem_issue_id is None and outcome.order.issue_id is not None
    assert f1.problem_kind == "not_year_round"


def test_staff_set_or_filter_the_kind_in_the_admin(facilities, people, client):
    """Where no description names a kind (待认定), the admin's change form offers the field; its list filters by it."""
    from accounts.models import User

    make_issue(people["inspector"], category="problem_toilet", lon=F1_LON, lat=F1_LAT, description="厕屋漏雨")
    admin = User.objects.create_superuser("wb-admin", password="pass-1234", role="admin", area_code="")
    client.force_login(admin)
    f1 = Facility.objects.get(code="F1")
    r = client.get(f"/admin/facilities/facility/{f1.pk}/change/")
    assert r.status_code == 200 and 'name="problem_kind"' in r.content.decode()
    Facility.objects.filter(pk=f1.pk).update(problem_kind="not_year_round")
    r = client.get("/admin/facilities/facility/", {"problem_kind__exact": "not_year_round"})
    listed = re.findall(r'<th class="field-code"><a href="[^"]*">([^<]+)</a>', r.content.decode())
    assert r.status_code == 200 and listed == ["F1"]
