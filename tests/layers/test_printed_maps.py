"""Printed maps (issue 27): the monthly report and the campaign report carry the map with a legend in Chinese
words — no colour code (#d7191c) and no English category code — checked as a person reading the PDF would
(pdftotext), and the page renders (pdftoppm)."""
import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from assessment.report_pdf import monthly_report_pdf
from campaigns import services as campaigns
from patrol.models import Category
from tests.campaigns.test_campaigns import QUKOU
from tests.facilities.conftest import facilities, operators  # noqa: F401 (fixtures)
from tests.factories import DISTRICT, V1, V3, make_issue, make_user

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")]


def _read(pdf, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    assert list(tmp_path.glob("page*.png"))
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _no_codes(text):
    assert not re.search(r"#[0-9a-fA-F]{6}\b", text)
    codes = set(Category.objects.values_list("code", flat=True))
    assert not [w for w in re.findall(r"[a-z_]{3,}", text) if w in codes]


def test_monthly_report_legend_in_words(geography, tmp_path):
    user = make_user("district", DISTRICT)
    make_issue(user, V1, category="shack")
    make_issue(user, V3, category="black_water")
    text = _read(monthly_report_pdf(timezone.localdate().replace(day=1)), tmp_path)
    assert "图例" in text and "红灯（有超期或督办问题）" in text and "绿灯（无未销号问题）" in text
    assert "个村" in text and "街镇界" in text
    _no_codes(text)


def test_campaign_report_legend_and_categories_in_words(geography, tmp_path):
    from campaigns.report import campaign_report_pdf

    campaign = campaigns.create_campaign(make_user("district", DISTRICT), QUKOU)
    text = _read(campaign_report_pdf(campaign, DISTRICT), tmp_path)
    assert "图例" in text and "通过" in text and "未验收" in text
    assert "残垣断壁" in text  # the quota's categories by name
    _no_codes(text)


def test_village_dossier_pdf_map_legend_in_words(geography, tmp_path):
    from datetime import timedelta

    from assessment.dossier_pdf import village_dossier_pdf
    from geo.models import Village
    from patrol.services import transition_issue
    from tests.factories import TOWN_A, close_issue

    user = make_user("district", DISTRICT)
    make_issue(user, V1, category="shack")
    red = make_issue(user, V1, category="black_water", grid=2)
    transition_issue(user, red.pk, "supervise")
    close_issue(make_issue(user, V1, category="dry_toilet"), make_user("town", TOWN_A), make_user("village", V1))
    make_issue(user, V3, category="wires")  # another village: not in this dossier
    text = _read(village_dossier_pdf(Village.objects.get(code=V1), timezone.localdate() + timedelta(days=1)),
                 tmp_path)
    assert "一村一档：甲村" in text and "问题分布图" in text
    # The legend: lights counted as problems, each category shown by its name beside its symbol, the lines.
    assert "图例（颜色：问题亮灯）" in text and "图例（符号：问题类别）" in text
    assert "红灯（超期或督办） 1 个问题" in text and "绿灯（已销号） 1 个问题" in text
    assert "窝棚" in text and "黑臭水体" in text and "旱厕/小粪缸" in text and "杆线杂乱" not in text
    assert "行政村界" in text and "网格界" in text
    _no_codes(text)
    assert not re.search(r"\b(reported|assigned|closed|red|yellow|green)\b", text)


def test_village_dossier_pdf_from_the_page(geography, client):
    from django.urls import reverse

    client.force_login(make_user("village", V1))
    page = client.get(reverse("assessment:village-dossier", args=[V1]))
    assert "打印一村一档（PDF）" in page.content.decode()
    r = client.get(reverse("assessment:village-dossier-pdf", args=[V1]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert client.get(reverse("assessment:village-dossier-pdf", args=[V3])).status_code == 404  # not their village


def test_facility_labels_pdf_in_words(facilities, tmp_path):  # noqa: F811 (the fixture)
    from facilities.labels import labels_pdf
    from facilities.models import Facility, Kind

    text = _read(labels_pdf(Facility.objects.select_related("kind", "village").order_by("code")), tmp_path)
    assert "户厕 · 甲村" in text and "公厕 · 乙村" in text and "扫码反映" in text
    _no_codes(text)
    kinds = set(Kind.objects.values_list("code", flat=True))
    assert not [w for w in re.findall(r"[a-z_]{3,}", text) if w in kinds]
