"""Demo 党建共同体 (seed 001: "共同体书记为‘一线指挥长’"): in every town on the district's scheme (dazhangzhuang; the
minhang town has none, its plan has no such grouping), its villages in three neighbouring groups — 西片, 中片 and
东片 by where they lie — each under a 共同体书记 (synthetic names). `/assessment/` and `/assessment/year/` then show
each village's community and a line per community (geo.Community; set up in the admin, there is no service).
"""
import random

from django.db import transaction

from .assessment import minhang_town
from .geography import _GIVEN as GIVEN_NAMES
from .geography import _SURNAMES as SURNAMES

PARTS = ("西片", "中片", "东片")


def load(district, stdout=None, seed=20260501):
    from geo.models import Community, Village

    rng = random.Random(seed)
    skip = minhang_town(district)
    made = grouped = 0
    with transaction.atomic():
        for town in district.towns.exclude(code=skip).order_by("code"):
            villages = sorted(Village.objects.filter(town=town).only("code", "boundary"),
                              key=lambda v: (v.boundary.centroid.x, v.code))
            if len(villages) < len(PARTS):
                continue
            size = len(villages) / len(PARTS)
            for n, part in enumerate(PARTS):
                members = [v.code for v in villages[round(n * size):round((n + 1) * size)]]
                community, _ = Community.objects.get_or_create(
                    town=town, name=f"{town.name.removesuffix('（示例）')}{part}党建共同体",
                    defaults={"secretary": rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)})
                grouped += Village.objects.filter(code__in=members).update(community=community)
                made += 1
    if stdout is not None:
        stdout.write(f"示例党建共同体已加载：{made} 个共同体，{grouped} 个村")
    return made
