"""python manage.py demo_setup (used by `make run`): migrations and static files, demo geography when there is
none, demo accounts, loaders.

- no District at all → the default synthetic district (demo.geography.generate with its defaults);
- one account per role, created when missing (existing accounts are left as they are);
- the password: settings.DEMO_PASSWORD (env DEMO_PASSWORD) or, when empty, one generated once and kept in
  .pg/demo_password (git-ignored), so every later run prints the same one;
- when the district was just created, the demo loaders of other apps run (LOADERS below).
"""
import contextlib
import functools
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.models import Role, User
from accounts.services import add_user
from demo import geography as demo
from geo.models import District

PASSWORD_FILE = Path(settings.BASE_DIR) / ".pg" / "demo_password"

# (username, role, area level, display name)
ACCOUNTS = [
    ("qu_admin", Role.DISTRICT, "district", "区农业农村委（示例）"),
    ("zhen_staff", Role.TOWN, "town", "街镇整治办（示例）"),
    ("cun_staff", Role.VILLAGE, "village", "村干部（示例）"),
    ("xuncha", Role.INSPECTOR, "district", "巡查员（示例）"),
    ("dudao", Role.SUPERVISOR, "district", "督导（示例）"),
    ("lingdao", Role.LEADER, "district", "区领导（示例）"),
    ("admin", Role.ADMIN, "district", "系统管理员（示例）"),
    # Service companies' staff (facilities): the level names their company (demo.facilities.OPERATORS).
    ("yunwei", Role.OPERATOR, "operator:yunwei-a", "城乡环卫服务公司运维员（示例）"),
    ("yunwei2", Role.OPERATOR, "operator:yunwei-b", "净水运维服务公司运维员（示例）"),
]


# The demo's size: problems per village in the year, and how many weeks of the campaign are told (None: all).
# A test of the whole demo sets them smaller (tests/demo/test_demo_year.py).
PROBLEMS_PER_VILLAGE = 30
CAMPAIGN_WEEKS = None


def load_demo_problems(district, stdout):
    """Demo problems: demo.problems.load(district)."""
    from demo import campaigns, orders, problems

    campaign = campaigns.create(district)  # its problems are told with the year's (demo.campaigns)
    extra = campaigns.plans(campaign, weeks=CAMPAIGN_WEEKS) if campaign is not None else ()
    problems.load(district, per_village=PROBLEMS_PER_VILLAGE, extra=extra,
                  then=functools.partial(orders.tell, log=stdout.write))
    campaigns.finish(campaign)
    stdout.write("示例问题、专项行动与督办单已加载 / demo problems, campaign and orders loaded (demo.problems)")


def load_demo_assessment(district, stdout):
    from demo import assessment as assessment_demo

    assessment_demo.load(district, stdout)


# Called with (district, stdout) after the demo district was created; other apps may append their own.
def load_demo_campaigns(district, stdout):
    from demo import campaigns

    campaigns.load(district, stdout)


def load_demo_households(district, stdout):
    from demo import households

    households.load(district, stdout)


def load_demo_facilities(district, stdout):
    from demo import facilities

    facilities.load(district, stdout)


def load_demo_waterbodies(district, stdout):
    from demo import waterbodies

    waterbodies.load(district, stdout)


def load_demo_communities(district, stdout):
    from demo import communities

    communities.load(district, stdout)


def load_demo_inbox(district, stdout):
    from demo import inbox

    sent = inbox.digests()
    stdout.write(f"示例消息：领导周报 {sent} 条；{inbox.settle()} 条旧消息已标为已读 / leaders' digests sent, "
                 "old notifications marked read")


def refresh_statistics(created, stdout):
    """ANALYZE once the problems are in: the month rebuilds of the loaders after it would otherwise be planned for
    the empty tables the last statistics saw (minutes per month instead of a second). As the owner when the roles
    are split (only the owner may analyze); inside a caller's transaction, as whoever is connected."""
    from django.db import connection

    from ops.dbroles import as_owner

    if connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return
    with as_owner(), connection.cursor() as cur:
        cur.execute("ANALYZE")


LOADERS = [
    load_demo_problems,  # problems, Qukou's campaign and the orders: see demo.problems, demo.campaigns, demo.orders
    refresh_statistics,
    load_demo_waterbodies,  # the black-odorous list, a rebound reported through the loop: see demo.waterbodies
    load_demo_campaigns,  # the year's task list: see demo.campaigns
    load_demo_communities,  # 党建共同体 in the dazhangzhuang towns: see demo.communities
    load_demo_assessment,  # two schemes, scorecards, 约谈, city checks, upkeep fund: see demo.assessment
    load_demo_households,  # households, 积分细则, a year of scoring, goods, boards: see demo.households
    load_demo_facilities,  # facilities, companies' work orders and ratings: see demo.facilities
    load_demo_inbox,  # last: the year's old notifications read (demo.inbox)
]


def demo_password():
    """(password, where it came from)."""
    if settings.DEMO_PASSWORD:
        return settings.DEMO_PASSWORD, "DEMO_PASSWORD"
    if PASSWORD_FILE.exists():
        stored = PASSWORD_FILE.read_text(encoding="utf-8").strip()
        if stored:
            return stored, str(PASSWORD_FILE)
    password = secrets.token_urlsafe(9)
    PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
    PASSWORD_FILE.write_text(password + "\n", encoding="utf-8")
    PASSWORD_FILE.chmod(0o600)
    return password, f"{PASSWORD_FILE} (新生成 / newly generated)"


class Command(BaseCommand):
    help = "准备演示环境：示例区划、演示账号 / set up the demo: synthetic geography and demo accounts"

    @contextlib.contextmanager
    def step(self, name):
        """Print how long a start-up step took (a slow first start then shows where its time went)."""
        started = time.monotonic()
        yield
        self.stdout.write(f"[setup]   {name:<18} {time.monotonic() - started:6.1f} s")

    def handle(self, *args, **options):
        started = os.environ.get("SETUP_STARTED")  # `make run`: when this process was launched (EPOCHREALTIME)
        if started:
            self.stdout.write(f"[setup]   {'django start':<18} {time.time() - float(started):6.1f} s")
        # One process for the whole start-up (each Django start costs seconds): migrate, static files, demo.
        # Static files first: `make run`'s gunicorn loads the application (WhiteNoise lists the files) meanwhile.
        with self.step("collectstatic"):
            call_command("collectstatic", interactive=False, verbosity=0)
        self.mark("static")
        with self.step("migrate"):
            call_command("migrate", interactive=False, verbosity=0)
        created = None
        if not District.objects.exists():
            self.stdout.write("生成示例区划 / generating the demo geography ...")
            with self.step("demo geography"):
                result = demo.generate(log=self.stdout.write)
            self.stdout.write(result.summary())
            created = District.objects.get(code=result.codes[0])
        district = District.objects.order_by("code").first()
        town = district.towns.order_by("code").first()
        village = town.villages.order_by("code").first() if town else None
        areas = {"district": district, "town": town, "village": village}
        password, source = demo_password()
        rows = []
        accounts_started = time.monotonic()
        # One hash for the accounts that share the demo password (each PBKDF2 hash costs ~0.5 s).
        hashed = None
        with transaction.atomic():
            from demo import facilities

            facilities.operators()  # the companies the operator accounts work for
            for username, role, level, name in ACCOUNTS:
                operator = level.removeprefix("operator:") if level.startswith("operator:") else ""
                area = None if operator else (areas[level] or district)
                user = User.objects.filter(username=username).first()
                state = "已存在 / exists"
                if user is None:
                    hashed = hashed or make_password(password)
                    user = add_user(username, role, area.code if area else "", password, name, operator=operator,
                                    password_hash=hashed)
                    state = "已创建 / created"
                rows.append((username, role, user.area_code, state))
        self.stdout.write(f"[setup]   {'demo accounts':<18} {time.monotonic() - accounts_started:6.1f} s")
        if created is not None:
            # Thousands of small demo transactions (each problem's loop step by step): do not wait for each
            # commit's flush to disk. A crash now loses the last demo rows at worst, never consistency; this
            # session only (the problem loader's worker processes do the same), and back on after.
            for loader in LOADERS:
                with connection.cursor() as cur:  # again for each: a loader may close the connection (problems)
                    cur.execute("SET synchronous_commit = off")
                with self.step(loader.__name__.removeprefix("load_")):
                    loader(created, self.stdout)
            with connection.cursor() as cur:
                cur.execute("SET synchronous_commit = on")
        self.stdout.write("")
        self.stdout.write("演示账号 / Demo accounts")
        names = {a.code: a.name for a in areas.values() if a}
        for username, role, code, state in rows:
            label = Role(role).label
            where = f"{names.get(code, '')} {code}" if code else "（按服务公司）"
            self.stdout.write(f"  {username:<11} {label}（{role}）  {where}  [{state}]")
        self.stdout.write(f"密码 / Password: {password}    （来源 / from: {source}）")
        self.stdout.write("已存在的账号保留原密码 / existing accounts keep their own password")
        self.mark("ready")

    def mark(self, name):
        """Tell `make run`'s waiting gunicorn how far the set-up is (DEMO_GATE, config/gunicorn_demo.py)."""
        gate = os.environ.get("DEMO_GATE")
        if gate and os.path.isdir(gate):
            Path(gate, name).touch()
