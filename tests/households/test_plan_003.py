"""Seed 003 (Minhang 积分制) rules as the plan says them: households nobody assessed are 未评 (never on the 黑榜);
the board's size is a labelled project default; 组组互评 is a scoring source.
Seed 003: “在积分考核小组片区化组建的基础上，鼓励户户参与、组组互评等方式” and
“开辟环境红黑榜、季度积分栏等模块张榜公示”."""
import pytest

from households import services
from households.models import PointEntry
from tests.households.conftest import V1, make_household

pytestmark = pytest.mark.django_db


def score(client, code, item, month, **body):
    return client.post(f"/api/households/{code}/points/", {"item": item, "month": month, **body}, format="json")


def test_a_household_nobody_assessed_is_unscored_and_on_neither_list(people, rules, login, page):
    """Three households: one +5, one −4, one never visited in Q3. With 2 on each list, the unvisited one used to be
    the 黑榜's second at 0 points; it is 未评 now, and the page says so."""
    make_household("V1-1-A", head="王大明")
    make_household("V1-1-B", head="李四")
    make_household("V1-1-C", head="赵小红")
    c = login(people.village)
    assert score(c, "V1-1-A", "yard", "2026-07").status_code == 201
    assert score(c, "V1-1-B", "clutter", "2026-07").status_code == 201
    board = services.board(V1, "2026-Q3")
    assert [r["code"] for r in board["red"]] == ["V1-1-A", "V1-1-B"]
    assert board["black"] == []  # the two scored households are both on the 红榜 (2 a list); nobody is left
    assert [r["code"] for r in board["unscored"]] == ["V1-1-C"] and board["unscored"][0]["head"] == "赵**"
    assert (board["households"], board["scored"]) == (3, 2)
    assert "项目默认" in board["n_note"] and "2 户" in board["n_note"]

    poster = page(people.village).get(f"/boards/{V1}/2026-Q3/print")
    text = poster.content.decode()
    assert poster.status_code == 200 and "未评 1 户" in text and "项目默认" in text


def test_group_mutual_scoring_is_a_source_and_never_scores_its_own_group(people, rules, login):
    make_household("V1-1-A", group="一组")
    c = login(people.village)
    r = score(c, "V1-1-A", "yard", "2026-08", source="group_mutual", scorer_group="二组")
    assert r.status_code == 201 and (r.json()["source"], r.json()["scorer_group"]) == ("group_mutual", "二组")
    own = score(c, "V1-1-A", "sorting", "2026-08", source="group_mutual", scorer_group="一组")
    assert own.status_code == 400 and "本组" in own.json()["detail"]
    missing = score(c, "V1-1-A", "sorting", "2026-08", source="group_mutual")
    assert missing.status_code == 400 and "scorer_group" in str(missing.json())
    bad = score(c, "V1-1-A", "sorting", "2026-08", source="neighbours")
    assert bad.status_code == 400 and "source" in str(bad.json())
    # One score per item and month whoever gave it: village staff cannot score 庭院整洁 of August again.
    assert score(c, "V1-1-A", "yard", "2026-08").status_code == 409
    assert list(PointEntry.objects.values_list("source", "scorer_group")) == [("group_mutual", "二组")]
    entries = c.get("/api/households/V1-1-A/points/").json()["entries"]
    assert entries[0]["source"] == "group_mutual"
