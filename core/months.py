"""Months, one home: a month is the date of its first day; its instants are local (Asia/Shanghai by default).

Parsing ('YYYY-MM' from outside, years in core.inputs.YEARS) is core.inputs.month; everything else a month needs
is here: its neighbours, its last day, its instants, the months of a year.
"""
from calendar import monthrange
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from . import inputs


def parse_month(value, field="month"):
    """'YYYY-MM' (or a date) → the month's first day; a bad value is a BadInput naming `field`."""
    return inputs.month(value, field)


def current_month(today=None):
    """The running month (of `today`, by default the local date)."""
    return (today or timezone.localdate()).replace(day=1)


def add_months(month, n):
    """The month `n` months after (n < 0: before) `month`."""
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return date(y, m + 1, 1)


def next_month(month):
    return add_months(month.replace(day=1), 1)


def previous_month(month):
    return add_months(month.replace(day=1), -1)


def last_day(month):
    return month.replace(day=monthrange(month.year, month.month)[1])


def local_start(day):
    """The first instant of a local calendar day, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def month_bounds(month):
    """(first instant, first instant of the next month) of a month ('YYYY-MM' or a date), local time zone."""
    first = parse_month(month)
    return local_start(first), local_start(next_month(first))


def month_end(month):
    """The moment a month's state is read: the last microsecond of its last day, and that day."""
    _, nxt = month_bounds(month)
    return nxt - timedelta(microseconds=1), (nxt - timedelta(days=1)).date()


def months_of(year, today=None):
    """The months of `year` that have begun by `today` (all twelve for a past year, none for a future one)."""
    today = today or timezone.localdate()
    last = 12 if year < today.year else today.month
    return [date(year, m, 1) for m in range(1, last + 1)] if year <= today.year else []


def last_months(last, n=12):
    """The `n` months ending with `last` ('YYYY-MM' or a date), oldest first."""
    last = parse_month(last)
    return [add_months(last, -k) for k in range(n - 1, -1, -1)]
