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
