"""Issue 28's counts on /assessment/: per village and month, problem photos that came in flagged and 复核 rejections
citing a flag, as a KPI; no score change unless a scheme's photo_flag_points (本系统默认 0) is set, and then −points
per such rejection in a closed month of the year's total."""
from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from assessment import results, services
from patrol.services import transition_issue
from tests.factories import DISTRICT, V1

from .test_review_page import submitted_with_reused_photo

pytestmark = pytest.mark.django_db


def trust_section(user, month):
    client = Client()
    client.force_login(user)
    r = client.get("/assessment/", {"month": month})
    assert r.status_code == 200
    html = r.content.decode()
    start = html.index('data-testid="photo-trust"')
    return html[start:html.index("</section>", start)]


def number(section, testid):
    start = section.index(f'data-testid="{testid}">') + len(f'data-testid="{testid}">')
    return int(section[start:section.index("<", start)])


def test_flagged_and_rejected_counts_and_the_parameter_that_turns_them_into_points(people, monkeypatch, settings):
    _, _, issue, _ = submitted_with_reused_photo(people)
    november = timezone.make_aware(datetime(2026, 11, 20, 10))
    transition_issue(people["town"], issue.pk, "reject", note="照片重复", data={"cited_flags": ["same_photo"]},
                     now=november)
    this_month = timezone.localdate().strftime("%Y-%m")

    now = trust_section(people["district"], this_month)
    assert (number(now, "trust-flagged"), number(now, "trust-rejected")) == (1, 0)  # the reused after-photo
    assert f'data-testid="trust-{V1}"' in now and "只作统计，不改变得分" in now
    nov = trust_section(people["district"], "2026-11")
    assert (number(nov, "trust-flagged"), number(nov, "trust-rejected")) == (0, 1)

    services.close_month(date(2026, 11, 1))
    row = next(r for r in results.year(2026, DISTRICT)["villages"] if r["code"] == V1)
    assert not [a for a in row["adjustments"] if a["kind"] == "photo"]  # off by default

    monkeypatch.setitem(settings.PATROL["ASSESSMENT"], "PHOTO_FLAG_POINTS", 2.0)
    row = next(r for r in results.year(2026, DISTRICT)["villages"] if r["code"] == V1)
    assert [a for a in row["adjustments"] if a["kind"] == "photo"] == [
        {"kind": "photo", "points": -2.0, "month": "2026-11", "reason": "整改照片被标记且因此退回 1 次"}]
    assert "计入年底扣分" in trust_section(people["district"], "2026-11")
