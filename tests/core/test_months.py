"""core.months: the one place a month's neighbours, last day and instants are computed."""
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from core import months
from core.errors import BadInput


def test_neighbours_cross_the_year():
    assert months.next_month(date(2026, 12, 15)) == date(2027, 1, 1)
    assert months.previous_month(date(2026, 1, 31)) == date(2025, 12, 1)
    assert months.add_months(date(2026, 11, 1), -13) == date(2025, 10, 1)
    assert months.add_months(date(2026, 11, 1), 14) == date(2028, 1, 1)


def test_last_day_knows_february_and_leap_years():
    assert months.last_day(date(2026, 2, 14)) == date(2026, 2, 28)
    assert months.last_day(date(2028, 2, 1)) == date(2028, 2, 29)
    assert months.last_day(date(2026, 12, 1)) == date(2026, 12, 31)


def test_bounds_are_local_midnights_and_end_is_the_last_instant():
    start, stop = months.month_bounds("2026-03")
    tz = timezone.get_current_timezone()
    assert start == timezone.make_aware(datetime(2026, 3, 1), tz)
    assert stop == timezone.make_aware(datetime(2026, 4, 1), tz)
    assert start.utcoffset() == timedelta(hours=8)  # Asia/Shanghai: 1 March 00:00 is 28 Feb 16:00 UTC
    moment, day = months.month_end(date(2026, 3, 9))
    assert moment == stop - timedelta(microseconds=1) and day == date(2026, 3, 31)


def test_parse_refuses_what_is_no_month():
    assert months.parse_month("2026-07") == date(2026, 7, 1)
    for bad in ("2026-13", "26-07", "0001-01", "2026/07", "", None):
        with pytest.raises(BadInput) as found:
            months.parse_month(bad, "to")
        assert found.value.field == "to"


def test_months_of_a_year_stop_at_the_running_month():
    today = date(2026, 12, 7)
    assert months.months_of(2026, today)[-1] == date(2026, 12, 1) and len(months.months_of(2026, today)) == 12
    assert months.months_of(2027, today) == []
    assert len(months.months_of(2025, today)) == 12
    assert months.months_of(2026, date(2026, 3, 2)) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def test_last_months_end_with_the_month_asked_oldest_first():
    found = months.last_months("2026-02", 4)
    assert found == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert months.current_month(date(2026, 12, 7)) == date(2026, 12, 1)
