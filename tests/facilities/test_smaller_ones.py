"""Issue 29, item 10: the smaller ones — a bbox of NaN, accounts without an area on the heat map and hot spots,
spreadsheets that are no xlsx (a DOCTYPE inside, 'PK' without a zip, a zip bomb), full-width digits in phones."""
import io
import json
import zipfile

import pytest
from django.test import Client
from openpyxl import Workbook

from core import ratelimit
from core.errors import DomainError
from core.spreadsheets import read_table
from tests.factories import DISTRICT, make_user


@pytest.mark.parametrize("bbox", ["nan,30,122,32", "121,nan,122,32", "inf,30,122,32", "121,30,1e400,32",
                                  "121,30,122", "a,b,c,d"])
def test_a_facility_bbox_that_is_no_box_is_a_400(geography, login, bbox):
    r = login(make_user("district", DISTRICT)).get("/api/facilities/", {"bbox": bbox})
    assert r.status_code == 400 and r.json()["field"] == "bbox", r.content[:300]


@pytest.mark.parametrize("url", ["/api/heatmap/", "/api/hotspots/", "/heatmap/"])
def test_an_account_without_an_area_is_told_so(geography, url):
    from accounts.models import User

    user = User.objects.create_user("op1", password="pass-1234", role="operator", area_code="")
    client = Client()
    client.force_login(user)
    r = client.get(url)
    assert r.status_code == 403, r.content[:300]


def _xlsx():
    wb = Workbook()
    wb.active.append(["code", "village"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(content, change):
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_spreadsheets_that_are_no_xlsx_are_refused_naming_the_file():
    doctype = _rezip(_xlsx(), lambda name, data: b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data
                     if name == "xl/worksheets/sheet1.xml" else data)
    bomb = _rezip(_xlsx(), lambda name, data: data.replace(b"</worksheet>", b"<!--" + b" " * 40_000_000
                                                           + b"--></worksheet>")
                  if name == "xl/worksheets/sheet1.xml" else data)
    assert len(bomb) < 1_000_000
    for content, word in ((doctype, "DOCTYPE"), (b"PK\x03\x04 this is no zip at all", "zip"),
                          (b"PK" + b"\x00" * 200, "zip"), (bomb, "过大")):
        with pytest.raises(DomainError) as exc:
            read_table(content, "households.xlsx")
        assert exc.value.field == "file" and word in str(exc.value.detail)
    headers, rows = read_table(_xlsx(), "ok.xlsx")
    assert headers == ["code", "village"]


def test_full_width_digits_in_a_phone_are_stored_as_ascii(facilities):
    from facilities.models import WorkOrder

    ratelimit.reset()
    r = Client().post("/f/F1/report/", json.dumps({"need": "pump", "note": "满了", "phone": "１３８００００００００"}),
                      content_type="application/json")
    assert r.status_code == 201, r.content
    assert WorkOrder.objects.get().phone == "13800000000"
    r = Client().post("/f/F2/report/", json.dumps({"need": "pump", "phone": "１３８abc"}),
                      content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "phone"
