"""一村一档一分析, plan 000: "重点聚焦区委一号课题、“五好两宜”和美乡村试点范围及全区排名后 1/3 的行政村，
制定“一村一档一分析”，逐个解剖问题症结，并提出解决方案。"

Which villages need one: the bottom third of the district's ranking in an evaluation round (villages with a
score; ties at the cut all included). Pilot villages are named by no data we hold, so any village in the writer's
area may have one too. An evaluation round is the scheme's period (minhang: two months) or else the month."""
import math

from django.db import transaction
from django.utils import timezone

from core import inputs
from core.errors import BadInput
from core.months import parse_month
from geo import scope

from . import results
from . import schemes as S
from .models import VillageAnalysis
from .services import EDITORS, _require, visible_village

TEXT_MAX = 5000
SOURCE = ("工作方案 000：“重点聚焦区委一号课题、“五好两宜”和美乡村试点范围及全区排名后 1/3 的行政村，"
          "制定“一村一档一分析”，逐个解剖问题症结，并提出解决方案”")


def round_months(town, month):
    """The months of the evaluation round `month` falls in, under the town's scheme that month (minhang: its
    bimonthly period; otherwise the month alone)."""
    month = parse_month(month)
    name, params = S.schemes_at(month, {town})[town]
    scheme = S.get(name)
    return scheme.period(month, params) if hasattr(scheme, "period") else [month]


def round_of(town, month):
    """The evaluation round a month falls in, as its first month."""
    return round_months(town, month)[0]


def round_label(town, first):
    months = round_months(town, first)
    if len(months) == 1:
        return f"{first:%Y}年{first.month}月"
    return f"{first:%Y}年{months[0].month}–{months[-1].month}月评估"


def bottom_third(district, month):
    """The codes of the district's bottom third by the month's score (competition ties at the cut included)."""
    rows = [r for r in results.month(district, month).rows if r["score"] is not None]
    if not rows:
        return set()
    n = math.ceil(len(rows) / 3)
    cut = sorted(r["score"] for r in rows)[n - 1]
    return {r["code"] for r in rows if r["score"] <= cut}


def needs_analysis(village_code, month):
    return village_code in bottom_third(scope.district_of(village_code), month)


def current(village_code, first):
    return (VillageAnalysis.objects.filter(village_id=village_code, round=first)
            .select_related("written_by").order_by("-written_at", "-id").first())


def write(user, village, month, causes, measures, now=None):
    """Store the analysis of a village for the round `month` falls in. A resubmission with the same text is the
    stored one (a retry adds nothing); a changed text is a new revision (the old one stays). `now`: when it was
    written (default: now)."""
    _require(user, EDITORS, "填写一村一档一分析")
    village = visible_village(user, village)
    first = round_of(village.town_id, month)
    causes = inputs.text(causes, "causes", TEXT_MAX).strip()
    measures = inputs.text(measures, "measures", TEXT_MAX).strip()
    if not causes:
        raise BadInput("请填写问题症结", field="causes")
    if not measures:
        raise BadInput("请填写解决方案", field="measures")
    with transaction.atomic():
        # One writer per village and round at a time, so two identical submissions cannot both be stored.
        type(village).objects.select_for_update().filter(pk=village.pk).first()
        latest = current(village.code, first)
        if latest and latest.causes == causes and latest.measures == measures:
            return latest, False
        return VillageAnalysis.objects.create(village=village, round=first, causes=causes, measures=measures,
                                              written_by=user, written_at=now or timezone.now()), True


def as_json(a):
    return {"id": a.pk, "village": a.village_id, "round": f"{a.round:%Y-%m}", "causes": a.causes,
            "measures": a.measures, "written_by": a.written_by.get_full_name() or a.written_by.username,
            "written_at": a.written_at}
