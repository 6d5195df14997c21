"""Demo facilities (一厕一码, seed 004), through facilities.imports and facilities.services.

- Two service companies (OPERATORS), each with an operator account in demo_setup's table (`yunwei`, `yunwei2`).
- Imported like a register (facilities.imports.import_rows): in every village a public toilet, household toilets
  (for the household-points villages, their door codes) and a garbage collection point; in every town a sewage
  plant and a septic tank. Codes like MH-310112102201-HT03 (printed on the labels, /f/<code>).
- A year of public scan reports (facilities.services.report) at working hours: most handled (accepted, photo,
  done), some merged (a second scan of the same need within the hour), a few done and reported again within a
  week (返工), some in progress, some waiting; the overdue timer escalates those past their deadline. Each report
  of a toilet is a problem in the loop, assigned by the town and closed once the company has fixed it.
- The problem-toilet ledger holds a toilet of each kind the plan names (不能用、不好用、不能常年用), put there by
  the inspector's problems (facilities.problem_toilets), and two scanned ones 待认定.
- A year of monthly ratings: the town (60 %) and villages (40 %; the first two of each town, for the demo's size)
  rate each company working there, in the month's last working days.
"""
import random
import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from core.months import last_day

OPERATORS = [("yunwei-a", "城乡环卫服务有限公司（示例）", "021-64000001"),
             ("yunwei-b", "净水运维服务有限公司（示例）", "021-64000002")]
# Reports a villager makes from a label: (need, note).
NOTES = {"pump": ["粪池满了，请尽快抽", "化粪池快溢出来了"], "dirty": ["厕所地面脏、有异味", "垃圾没有及时清运"],
         "repair": ["冲水按钮坏了", "门锁坏了关不上", "洗手池漏水"]}
# The plan's three kinds of problem toilet (seed 004: 不能用、不好用、不能常年用), named by the inspector.
PROBLEM_KINDS = ["不能用：便器堵塞，无法使用", "不好用：冲水不畅，异味重", "不能常年用：冬季水管冻裂，停用"]


def operators():
    """The two demo companies (before the operator accounts are made)."""
    from facilities.models import Operator

    for code, name, phone in OPERATORS:
        Operator.objects.get_or_create(code=code, defaults={"name": name, "phone": phone})


def _at(day, hour, minute):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def load(district, stdout=None, today=None, now=None, seed=20260404):
    from facilities import imports, scores, services
    from facilities.models import Facility
    from households.models import Household
    from patrol import services as patrol

    from .problems import _photo, _point_in

    today = today or timezone.localdate()
    now = now or timezone.now()
    rng = random.Random(seed)
    qu = User.objects.filter(username="qu_admin").first()
    workers = {u.operator_code: u for u in User.objects.filter(role="operator", operator_code__in=[
        c for c, *_ in OPERATORS])}
    if qu is None or len(workers) < len(OPERATORS):
        return
    operators()
    a, b = (c for c, *_ in OPERATORS)
    doors = {}
    for code, village in Household.objects.order_by("code").values_list("code", "village_id"):
        doors.setdefault(village, []).append(code)
    headers = ["code", "kind", "name", "longitude", "latitude", "operator", "household", "upkeep_days"]
    body, row = [], 1
    villages = list(district.towns.order_by("code").values_list("villages__code", flat=True).order_by(
        "villages__code"))
    from geo.models import Town, Village

    shapes = {v.code: v for v in Village.objects.filter(code__in=villages).only("code", "name", "boundary")}
    for code in villages:
        v = shapes[code]
        rows = [("PT01", "public_toilet", f"{v.name}公厕", a, "", "1"),
                ("GP01", "garbage_point", f"{v.name}垃圾收集点", b, "", "1")]
        homes = doors.get(code) or [f"{v.name}{k}号户" for k in range(1, 5)]
        rows += [(f"HT{k + 1:02d}", "household_toilet", "", a, h, "") for k, h in enumerate(homes[:6])]
        for suffix, kind, name, operator, household, days in rows:
            lon, lat = _point_in(rng, v.boundary)
            row += 1
            body.append((row, [f"MH-{code}-{suffix}", kind, name, f"{lon:.7f}", f"{lat:.7f}", operator, household,
                               days]))
    for town in Town.objects.filter(district=district).order_by("code"):
        first = shapes[min(c for c in villages if c.startswith(town.code))]
        for suffix, kind, name in (("SP01", "sewage_plant", f"{town.name}污水处理站"),
                                   ("ST01", "septic_tank", f"{town.name}集中化粪池")):
            lon, lat = _point_in(rng, first.boundary)
            row += 1
            body.append((row, [f"MH-{town.code}-{suffix}", kind, name, f"{lon:.7f}", f"{lat:.7f}", b, "", "7"]))
    result = imports.import_rows(qu, headers, body)
    if result.errors:
        raise RuntimeError(f"demo facilities refused: {result.errors[:3]}")

    towns = {u.area_code: u for u in User.objects.filter(username__startswith="demo_zhen_")}
    cun = {u.area_code: u for u in User.objects.filter(username__startswith="demo_cun_")}
    for name in ("zhen_staff", "cun_staff"):
        u = User.objects.filter(username=name).first()
        if u is not None:
            (towns if name == "zhen_staff" else cun)[u.area_code] = u
    toilets = list(Facility.objects.filter(kind__is_toilet=True).order_by("code").values_list("code", flat=True))
    others = list(Facility.objects.filter(kind_id="garbage_point").order_by("code").values_list("code", flat=True))

    def handle(order, reported, fix_days, leave=None):
        """The company accepts, fixes (photo) and finishes; the town assigns its problem and closes it after."""
        worker = workers[order.operator_id]
        accepted = reported + timedelta(hours=rng.randint(1, 20))
        issue = order.issue
        if issue is not None:
            town = towns[issue.town_id]
            patrol.transition_issue(town, issue.pk, "assign", now=reported + timedelta(minutes=rng.randint(20, 50)))
        if leave == "open" or accepted > now:
            return
        services.accept(worker, order.pk, now=accepted)
        finished = accepted + timedelta(hours=rng.randint(2, 24 * fix_days))
        if leave == "accepted" or finished > now:
            return
        services.add_after_photo(worker, order.pk, _photo(rng), now=finished - timedelta(minutes=10))
        services.done(worker, order.pk, note="已处理（示例）", now=finished)
        if issue is not None:
            village = cun[issue.village_id]
            submit = finished + timedelta(hours=rng.randint(1, 5))
            verify = submit + timedelta(hours=rng.randint(2, 30))
            if verify < now:
                patrol.add_photo(village, issue.pk, _photo(rng), "after", now=submit - timedelta(minutes=15))
                patrol.transition_issue(village, issue.pk, "submit", note="服务公司已处理（示例）", now=submit)
                patrol.transition_issue(town, issue.pk, "verify", note="复核通过（示例）", now=verify)

    start = today - timedelta(days=330)
    reports = 0
    used = set()
    for k in range(70):  # through the year, oldest first
        day = start + timedelta(days=k * 320 // 70 + rng.randint(0, 3))
        if day.weekday() == 6:
            day -= timedelta(days=1)
        code = rng.choice(toilets if rng.random() < 0.8 else others)
        if code in used:
            continue
        used.add(code)
        need = rng.choice(["pump", "pump", "dirty", "repair"])
        when = _at(day, rng.randint(8, 17), rng.randint(0, 59))
        outcome = services.report(code, need, note=rng.choice(NOTES[need]), phone="", now=when)
        reports += 1
        if rng.random() < 0.25:  # a neighbour scans the same label within the hour: merged
            services.report(code, need, note="同一问题再次反映", now=when + timedelta(minutes=rng.randint(5, 50)))
        handle(outcome.order, when, 2)
        if k % 10 == 5:  # back within the week: 返工
            outcome.order.refresh_from_db()
            if outcome.order.done_at and outcome.order.done_at + timedelta(days=3) < now:
                again = _at(timezone.localdate(outcome.order.done_at) + timedelta(days=rng.randint(1, 3)),
                            rng.randint(8, 17), rng.randint(0, 59))
                redo = services.report(code, need, note="刚修好又坏了", now=again)
                handle(redo.order, again, 1)
    # The problem-toilet ledger's three kinds: the inspector's problem_toilet problems at three toilets, naming
    # the kind (facilities.problem_toilets links each to its toilet), assigned and being rectified; and two
    # villagers' repair scans (kind 待认定), one waiting and one in progress.
    recent = [c for c in toilets if c not in used]
    rng.shuffle(recent)
    inspector = User.objects.filter(username="xuncha").first() or qu
    for k, note in enumerate(PROBLEM_KINDS):
        toilet = Facility.objects.get(code=recent[k])
        when = _at(today - timedelta(days=2 + 3 * k), 10 + k, rng.randint(0, 59))
        issue = patrol.report_issue(
            inspector, lon=toilet.location.x, lat=toilet.location.y, category="problem_toilet", reported_at=when,
            description=f"问题厕所，{note}（示例）", client_uuid=uuid.UUID(int=rng.getrandbits(128))).issue
        patrol.transition_issue(towns[issue.town_id], issue.pk, "assign", now=when + timedelta(minutes=40))
    for k in (3, 4):
        when = _at(today - timedelta(days=k), 10 + k, rng.randint(0, 59))
        order = services.report(recent[k], "repair", note=rng.choice(NOTES["repair"]), now=when).order
        handle(order, when, 3, leave="accepted" if k == 3 else "open")
    for k in range(5, 8):
        when = _at(today - timedelta(days=k - 4), 4 + k, rng.randint(0, 59))
        order = services.report(recent[k], "pump", note="粪池满了，请尽快抽", now=min(when, now)).order
        handle(order, min(when, now), 2, leave="open" if k % 2 else "accepted")
    services.escalate_overdue(now=now)

    # A year of monthly ratings: the town 60 %, each village 40 % (facilities.scores.rate).
    months = [date(today.year, m, 1) for m in range(1, today.month)]
    working = {}
    for operator, town, village in Facility.objects.values_list("operator_id", "town_id", "village_id").distinct():
        working.setdefault(operator, set()).add((town, village))
    # Every town rates; of the villages, the first two of each town (and cun_staff's) — the demo's size.
    raters = set()
    for town in towns:
        raters |= set(sorted(v for t, v in set().union(*working.values()) if t == town)[:2])
    clock = random.Random(seed + 1)  # the ratings' times, drawn apart so the scores stay what they were

    def rated(month):
        """In the month's last working days, in working hours."""
        day = last_day(month) - timedelta(days=clock.randint(0, 3))
        day -= timedelta(days=max(0, day.weekday() - 4))
        return min(_at(day, clock.randint(9, 16), clock.randint(0, 59)), now)

    for month in months:
        for operator in sorted(working):
            for town in sorted({t for t, _ in working[operator]}):
                if town in towns:
                    scores.rate(towns[town], operator, f"{month:%Y-%m}", round(rng.uniform(82, 97), 1),
                                now=rated(month))
            for _, village in sorted(working[operator]):
                if village in cun and village in raters:
                    scores.rate(cun[village], operator, f"{month:%Y-%m}", round(rng.uniform(75, 98), 1),
                                now=rated(month))
    if stdout is not None:
        stdout.write(f"示例设施已加载：{result.created} 个设施，{reports} 次扫码反映，{len(months)} 个月的服务公司评分")
