"""A month's closing and an analysis carry the time they happened when the caller gives it (`now=`: a loader
telling a past year, the demo), and the moment of the call otherwise (pages and the API)."""
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from assessment import analysis, services
from assessment.models import MonthClose, MonthCloseLog
from core.months import add_months, current_month
from tests.factories import DISTRICT, V3, make_user

pytestmark = pytest.mark.django_db


def test_a_month_closed_in_the_past_keeps_that_time(geography):
    month = add_months(current_month(), -2)
    when = timezone.make_aware(datetime.combine(add_months(month, 1) + timedelta(days=2), time(16, 20)))
    services.close_month(month, DISTRICT, note="关账", now=when)
    assert MonthClose.objects.get(month=month).closed_at == when
    assert MonthCloseLog.objects.get(month=month).at == when

    before = timezone.now()
    services.close_month(add_months(month, 1), DISTRICT, note="关账")
    assert MonthClose.objects.get(month=add_months(month, 1)).closed_at >= before


def test_an_analysis_written_in_the_past_keeps_that_time(geography):
    town = make_user("town", V3[:9])
    month = add_months(current_month(), -1)
    when = timezone.now() - timedelta(days=3, hours=2)
    row, created = analysis.write(town, V3, f"{month:%Y-%m}", "垃圾收运不及时", "增加一班收运", now=when)
    assert created and row.written_at == when
    row.refresh_from_db()
    assert row.written_at == when
    before = timezone.now()
    later, _ = analysis.write(town, V3, f"{month:%Y-%m}", "垃圾收运不及时；河道保洁缺人", "增加一班收运")
    assert later.written_at >= before and analysis.current(V3, row.round).pk == later.pk
