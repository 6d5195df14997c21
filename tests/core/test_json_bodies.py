"""Issue 29, item 3: one strict JSON parser and one size limit for every JSON body (set globally, no view
brings its own), and a maximum length on every text field. The four endpoints the probe found skipping it."""
import pytest
from django.utils import timezone

from campaigns.models import Acceptance, TaskProgress
from households.models import PointEntry
from supervision.models import OrderAnswer
from tests.factories import DISTRICT, TOWN_A, make_user
from tests.households.conftest import ITEMS, make_household
from tests.supervision.test_orders import _issue, _order

V1 = "310112102201"


@pytest.fixture
def targets(geography, login):
    """{name: (client, url, good body, model)} for the four endpoints."""
    district, town, village = make_user("district", DISTRICT), make_user("town", TOWN_A), make_user("village", V1)
    inspector = make_user("inspector", DISTRICT)
    out = {}
    api = login(district)
    tid = api.post("/api/tasks/", {"name": "公厕改造", "year": timezone.localdate().year, "unit": "座",
                                   "level": "town", "targets": [{"area": TOWN_A, "target": 50}]},
                   format="json").json()["id"]
    out["progress"] = (town, f"/api/tasks/{tid}/progress/", {"area": TOWN_A, "value": 1, "note": "完成"},
                       TaskProgress)
    today = timezone.localdate()
    d = lambda n: (today + timezone.timedelta(days=n)).isoformat()  # noqa: E731
    cid = api.post("/api/campaigns/", {
        "name": "验收中", "areas": [TOWN_A], "start": d(-20), "end": d(2),
        "phases": [{"name": "考核验收", "kind": "acceptance", "start": d(-1), "end": d(2)}]},
        format="json").json()["id"]
    out["acceptance"] = (town, f"/api/campaigns/{cid}/acceptance/", {"village": V1, "result": "pass",
                                                                      "note": "整洁"}, Acceptance)
    assert login(village).post("/api/households/rules/", {"village": V1, "year": today.year, "board_n": 2,
                                                          "items": ITEMS}, format="json").status_code == 201
    make_household("H001")
    out["points"] = (village, "/api/households/H001/points/", {"item": "volunteer", "note": "扫雪"}, PointEntry)
    people = {"inspector": inspector, "district": district}
    oid = _order(login(district), [_issue(people).pk]).json()["id"]
    out["answer"] = (town, f"/api/orders/{oid}/answer/", {"report": "已整改"}, OrderAnswer)
    return out


NAMES = ["progress", "acceptance", "points", "answer"]
NOTE = {"progress": "note", "acceptance": "note", "points": "note", "answer": "report"}


def _post(login, target, raw):
    user, url, _, _ = target
    return login(user).post(url, raw, content_type="application/json")


@pytest.mark.parametrize("name", NAMES)
def test_bad_json_bodies_are_4xx_and_store_nothing(targets, login, name):
    import json

    target = targets[name]
    model = target[3]
    before = model.objects.count()
    field = NOTE[name]
    cases = [
        ("[" * 100_000, 400),
        (json.dumps({**target[2], field: 5}), 400),
        (json.dumps({**target[2], field: "有\x00空字符"}), 400),
        (json.dumps({**target[2], field: "长" * 699_050}, ensure_ascii=False), 413),  # ~2 MB of UTF-8
        (json.dumps({**target[2], field: "长" * 699_050}), 413),  # ~4 MB escaped
        (json.dumps({**target[2], field: "长" * 20_000}), 400),  # within the body limit, above the field's
        (json.dumps({**target[2], "x": 1e400}).replace("inf", "1e400"), 400),
    ]
    for raw, status in cases:
        r = _post(login, target, raw)
        assert r.status_code == status, (name, raw[:40], r.status_code, r.content[:300])
        assert "application/json" in r["Content-Type"]
    assert model.objects.count() == before
    ok = _post(login, target, json.dumps(target[2]))
    assert ok.status_code in (200, 201), ok.content


def test_no_view_brings_its_own_json_parser():
    """The strict parser is set once (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES); no API view replaces it."""
    from django.urls import get_resolver
    from rest_framework.parsers import JSONParser
    from rest_framework.views import APIView

    from geo.parsers import StrictJSONParser

    def views(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from views(p.url_patterns)
            else:
                cls = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                if cls is not None and issubclass(cls, APIView):
                    yield cls

    loose = sorted({c.__name__ for c in views(get_resolver().url_patterns)
                    for parser in c.parser_classes
                    if issubclass(parser, JSONParser) and not issubclass(parser, StrictJSONParser)})
    assert loose == []
