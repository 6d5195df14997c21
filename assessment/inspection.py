"""Plan 001's monthly inspection, as part of the village's month: "镇整治办和执法队每月到44个村实地检查，发现问题、
反馈问题，各村负责问题整改，次月镇整治办和执法队到村实地检查时一并抽查问题整改，形成问题整改的闭环。"

The problems the inspection found in a month are the village's problems of source 街镇自查 reported that month.
The next month's inspection re-checks them; one counts as re-checked rectified when it was closed (销号, after the
town's 复核) by the end of that next month. Reading "次月…一并抽查" as "closed by the end of the next month" is a
project default (the plan names no date)."""
from django.db.models import Count, Q
from django.utils import timezone

from core.months import month_bounds, next_month
from patrol.models import Issue, Source

RULE = ("镇整治办和执法队每月到村实地检查发现的问题（来源“街镇自查”），次月检查时抽查整改："
        "次月月底前已销号计为复查已整改",
        "工作方案 001：“镇整治办和执法队每月到44个村实地检查，发现问题、反馈问题，各村负责问题整改，"
        "次月镇整治办和执法队到村实地检查时一并抽查问题整改”；“次月月底前已销号”的认定为项目默认")


MAX_LISTED = 500


def month_counts(codes, month):
    """{village code: {"found", "rectified", "unrectified", "rechecked"}} for every village of `codes` (0 found
    where the inspection found nothing); `rechecked` is False while the next month is still running (the counts
    may still grow)."""
    start, end = month_bounds(month)
    _, recheck_end = month_bounds(next_month(start.date()))
    codes = list(codes)
    rows = Issue.objects.filter(source=Source.TOWN_SELF_CHECK, reported_at__gte=start, reported_at__lt=end)
    if len(codes) <= MAX_LISTED:
        rows = rows.filter(village_id__in=codes)
    # else the month's self-check finds (few) are read by date and only the villages asked for are kept below,
    # rather than a district's ten thousand codes sent as an IN list
    rows = (rows.values_list("village_id")
            .annotate(found=Count("id"), rectified=Count("id", filter=Q(closed_at__lt=recheck_end))).order_by())
    rechecked = timezone.now() >= recheck_end
    counts = {village: (found, rectified) for village, found, rectified in rows}
    return {code: {"found": found, "rectified": rectified, "unrectified": found - rectified, "rechecked": rechecked}
            for code in codes for found, rectified in [counts.get(code, (0, 0))]}
