"""Demo red supervision orders (红色督办单), told through supervision.services and patrol.services after the year
of problems and before the overdue timer runs (demo.problems.load's `then`).

The orders take problems that lingered past their deadline (still assigned, last step long ago) and tell each
order's life with its problems' own steps in between, every step after the one before and none in the future:

- closed: issued → the village rectifies (submit), the town verifies → the town answers → the district closes;
- returned once: answered while the rectification still waits for verification → returned (问题尚未销号) →
  verified → answered again → closed; one more returned recently and still waiting for the second answer;
- answered, waiting for the district's review;
- issued, not yet due; and one issued whose deadline has passed without an answer (overdue).
The overdue timer (escalate_overdue, run next) then drafts orders for the problems still overdue: drafts waiting.
"""
import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from patrol import services as patrol
from patrol.models import Issue, IssueEvent
from supervision import services

from .problems import _photo

# (scenario, how many) in the order they are told; the oldest problems go to the stories that need most time.
SCENARIOS = [("closed", 8), ("returned_closed", 2), ("returned_waiting", 1), ("answered", 2), ("issued", 1),
             ("overdue", 1)]
REQUIREMENTS = "加强核查、限期整改；整改完成后报送整改报告及整改前后照片"


def _working(rng, moment, now):
    """`moment` moved into working hours (08:30–17:30 on its day, else the next morning); None when in the future."""
    local = timezone.localtime(moment)
    if local.time() > time(17, 30):
        local = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(8, 30)))
        local += timedelta(minutes=rng.randint(0, 90))
    elif local.time() < time(8, 30):
        local = timezone.make_aware(datetime.combine(local.date(), time(8, 30))) + timedelta(minutes=rng.randint(0, 90))
    return None if local > now else local


class _Clock:
    """Steps of one story: each a few days (or hours) after the one before, in working hours."""

    def __init__(self, rng, start, now):
        self.rng, self.at, self.now = rng, start, now

    def later(self, days_low, days_high):
        step = timedelta(days=self.rng.randint(days_low, days_high), minutes=self.rng.randint(20, 240))
        when = _working(self.rng, self.at + step, self.now)
        if when is None:
            raise RuntimeError("a demo order's step fell in the future")
        self.at = when
        return when


def _candidates(district, today, village=None):
    """Problems still assigned, past their deadline, not under an order; with their last step's moment. Given a
    village: its assigned problems, overdue or not (a district may supervise a problem before its deadline)."""
    rows = Issue.objects.filter(town__district=district, status="assigned", red_supervision=False)
    rows = rows.filter(village_id=village) if village else rows.filter(deadline__lt=today - timedelta(days=5))
    rows = list(rows.select_related("village", "town").order_by("reported_at", "client_uuid"))
    last = {}
    for issue_id, at in IssueEvent.objects.filter(issue__in=rows).values_list("issue_id", "at"):
        last[issue_id] = max(at, last.get(issue_id, at))
    return [(i, last[i.pk]) for i in rows]


def tell(district, *, today, now, log=None):
    """The demo's orders with the demo's people: issued by qu_admin (else the loader's district staffer), answered
    by each town's staff (zhen_staff for its own town), rectified by the village staff (cun_staff for its own)."""
    from accounts.models import User

    people = {u.username: u for u in User.objects.filter(username__in=["qu_admin", "demo_qu", "zhen_staff",
                                                                         "cun_staff"])}
    issuer = people.get("qu_admin") or people["demo_qu"]
    towns = {u.area_code: u for u in User.objects.filter(username__startswith="demo_zhen_")}
    villages = {u.area_code: u for u in User.objects.filter(username__startswith="demo_cun_")}
    if "zhen_staff" in people:
        towns[people["zhen_staff"].area_code] = people["zhen_staff"]
    if "cun_staff" in people:
        villages[people["cun_staff"].area_code] = people["cun_staff"]
    told = load(district, today=today, now=now, issuer=issuer, town_staff=towns, village_staff=villages,
                to_village=people["cun_staff"].area_code if "cun_staff" in people else None)
    if log:
        log(f"示例督办单 / demo orders: {told}")
    return told


def load(district, *, today, now, issuer, town_staff, village_staff, seed=20261207, to_village=None):
    """Tell the demo's orders (see the module docstring). town_staff: {town code: user}; village_staff: {village
    code: user}; to_village: a village whose newly issued order goes to the village itself (cun_staff's, so that
    the village's own 提交反馈 has something to answer). Returns {scenario: count told}."""
    rng = random.Random(seed)
    pool = _candidates(district, today)
    told = {}
    addressed_to_village = False  # the village's own order is told once
    # The oldest few are left to the overdue timer, which drafts orders of them (drafts waiting for a person).
    used = {i.pk for i, _ in pool[:3]}
    # How far back each story starts (days before now): long stories need old problems.
    spans = {"closed": (120, 45), "returned_closed": (110, 50), "returned_waiting": (40, 25), "answered": (30, 15),
             "issued": (4, 2), "overdue": (28, 22)}
    # One of each first (a small demo still shows every state), then the rest.
    slots = [name for name, _ in SCENARIOS]
    slots += [name for name, count in SCENARIOS for _ in range(count - 1)]
    for scenario in slots:
        oldest, newest = spans[scenario]
        start = now - timedelta(days=rng.randint(newest, oldest))
        chosen = [(i, t) for i, t in pool if i.pk not in used and t < start - timedelta(days=2)]
        if not chosen:
            continue
        addressee = None
        if scenario == "issued" and to_village and not addressed_to_village:
            home = [(i, t) for i, t in chosen if i.village_id == to_village] or [
                (i, t) for i, t in _candidates(district, today, to_village)
                if i.pk not in used and t < start - timedelta(days=2)]
            if home:
                chosen, addressee, addressed_to_village = home, to_village, True
        issue, _ = chosen[rng.randrange(len(chosen))]
        # A second overdue problem of the same village goes into the same order, when there is one.
        more = [i for i, t in chosen if i.village_id == issue.village_id and i.pk != issue.pk][:1]
        if len(pool) - len(used) < 3 * len(slots):  # a small pool: one problem per order
            more = []
        problems = [issue, *more]
        used.update(p.pk for p in problems)
        _tell(rng, scenario, problems, start, now, issuer, town_staff[issue.town_id],
              village_staff[issue.village_id], addressee)
        told[scenario] = told.get(scenario, 0) + 1
    return told


def _rectify(rng, clock, problems, village_user, town_user, verify=True):
    for issue in problems:
        photo = _photo(rng)
        submitted = clock.later(1, 4)
        patrol.add_photo(village_user, issue.pk, photo, "after", now=submitted - timedelta(minutes=20))
        patrol.transition_issue(village_user, issue.pk, "submit", note="按督办要求整改完毕（示例）", now=submitted)
    if verify:
        for issue in problems:
            patrol.transition_issue(town_user, issue.pk, "verify", note="复核通过（示例）", now=clock.later(1, 2))


def _tell(rng, scenario, problems, start, now, issuer, town_user, village_user, addressee=None):
    clock = _Clock(rng, start, now)
    issued_at = clock.later(0, 0)
    days = 7 if scenario == "overdue" else rng.choice([10, 15])
    order, _ = services.issue_order(
        issuer, problems=[p.pk for p in problems], addressee_code=addressee or problems[0].town_id,
        deadline=timezone.localdate(issued_at) + timedelta(days=days), requirements=REQUIREMENTS,
        reflect=rng.random() < 0.5, issuing_office="区农业农村委（示例）", now=issued_at)
    if scenario in ("issued", "overdue"):
        return order
    names = "、".join(f"#{p.pk}" for p in problems)
    if scenario in ("returned_closed", "returned_waiting"):
        _rectify(rng, clock, problems, village_user, town_user, verify=False)
        services.answer_order(town_user, order.pk, report=f"问题 {names} 已整改，整改照片已上传（示例）",
                              now=clock.later(0, 1))
        services.return_order(issuer, order.pk, note="问题尚未复核销号，请复核销号后再反馈（示例）",
                              now=clock.later(1, 3))
        if scenario == "returned_waiting":
            return order
        for issue in problems:
            patrol.transition_issue(town_user, issue.pk, "verify", note="复核通过（示例）", now=clock.later(1, 3))
    else:
        _rectify(rng, clock, problems, village_user, town_user)
    services.answer_order(town_user, order.pk, report=f"问题 {names} 已整改并复核销号；已组织全镇排查同类问题（示例）",
                          now=clock.later(0, 2))
    if scenario == "answered":
        return order
    services.close_order(issuer, order.pk, note="整改到位，予以办结（示例）", now=clock.later(1, 3))
    return order
