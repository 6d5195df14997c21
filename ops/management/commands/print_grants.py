"""Print the SQL that sets up the two roles on an external PostgreSQL (DATABASE_URL / DATABASE_OWNER_URL)."""
from django.conf import settings
from django.core.management.base import BaseCommand

from ops import dbroles


class Command(BaseCommand):
    help = "打印外部数据库所需的角色与授权 SQL（所有者角色运行迁移，应用角色只能向处置记录表追加）。"

    def add_arguments(self, parser):
        parser.add_argument("--owner", help="所有者角色名（默认取 DATABASE_OWNER_URL 的用户，或 patrol_owner）")
        parser.add_argument("--app", help="应用角色名（默认取 DATABASE_URL 的用户）")

    def handle(self, *args, **opts):
        db = settings.DATABASES["default"]
        owner = opts["owner"] or settings.DATABASE_OWNER.get("USER") or "patrol_owner"
        app = opts["app"] or db["USER"] or "patrol_app"
        if owner == app:
            self.stderr.write("所有者与应用角色相同：应用角色将能关闭触发器、改写历史。"
                              "请用 --owner/--app 指定两个角色。")
        out = [f"-- 1. As a superuser, on the cluster (database {db['NAME']}):"]
        out += [s if s.startswith("--") else s + ";" for s in dbroles.roles_sql(owner, app, db["NAME"])]
        out += [f"-- 2. As {owner}: DATABASE_OWNER_URL=postgis://{owner}:…@host/{db['NAME']} manage.py migrate",
                "--    (migrate runs the statements below itself; they are printed here for review).",
                f"-- 3. As {owner}, after every migrate:"]
        out += [s + ";" for s in dbroles.grants_sql(app)]
        out += [f"-- 4. The web process, workers and commands use DATABASE_URL=postgis://{app}:…@host/{db['NAME']}"]
        self.stdout.write("\n".join(out))
