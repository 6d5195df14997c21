"""The layout: a ground floor `core/` that imports no app; apps importing one way along the line (geo ← accounts ←
patrol ← layers ← assessment ← planning), the other apps above what they use; nothing of the product imports demo/
or bench/; config/ (settings, URLs, WSGI, middleware) imported by nothing but Django's entry points; no reaching up
by apps.get_model, no private name of another app; one xlsx MIME constant; no app more than 15 % of the code; and
area scope computed in geo/scope.py only.

Each rule is a function over {path: source} so that the tests of the tests below can show it fails on a violation.
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINE = ["geo", "accounts", "patrol", "layers", "assessment", "planning"]
TOOLS = {"demo", "bench"}  # the demo district and the benchmarks: they use the product, the product never them
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_APP_SHARE = 0.15


def first_party_apps():
    return sorted(p.parent.name for p in ROOT.glob("*/apps.py"))


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def app_sources(app):
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


def project_sources():
    """{path relative to the root: source} of every first-party module (apps, core, config, bench), migrations
    and tests left out."""
    packages = [*first_party_apps(), "core", "config", "bench"]
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for package in packages for path in app_sources(package)}


def _imports(source):
    """(module, names) per import statement; names are those of `from module import names`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [alias.name for alias in node.names]


def may_import(owner, other, apps):
    """Whether code of package `owner` may import package `other` (both first-party)."""
    if other == owner or other == "core":
        return True
    if owner == "core" or other == "config" or other in TOOLS and owner not in TOOLS:
        return False  # core is the floor; config is an entry point; demo and bench are tools on top
    if owner in LINE:
        return other in LINE[:LINE.index(owner)]
    return other in apps  # apps above the line, config, demo and bench use any app


def upward_imports(sources, apps):
    ours = set(apps) | {"core", "config", "bench"}
    wrong = []
    for path, source in sources.items():
        owner = path.split("/")[0]
        for module, _ in _imports(source):
            top = module.split(".")[0]
            if top in ours and not may_import(owner, top, apps):
                wrong.append(f"{path} imports {module}")
    return wrong


def models_got_upward(sources, apps):
    """apps.get_model("label", …) or get_model("label.Model") of an app the caller may not import."""
    wrong = []
    for path, source in sources.items():
        owner = path.split("/")[0]
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
                    == "get_model" and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            label = str(node.args[0].value).split(".")[0]
            if label != owner and (label not in apps or not may_import(owner, label, apps)):
                wrong.append(f"{path}:{node.lineno} get_model({node.args[0].value!r})")
    return wrong


def _private(name):
    return name.startswith("_") and not name.startswith("__") and name != "_meta"  # Model._meta is Django's API


def private_names_of_other_packages(sources, apps):
    """`from other_app.x import _name`, or `module._name` where `module` is bound (in that scope) to a module of
    another package."""
    ours = set(apps) | {"core", "config", "bench"}
    wrong = []

    def bindings(body, owner):
        """{local name: True if it names a module of another package} for the imports directly in `body`."""
        bound = {}
        for node in body:
            for sub in ([node] if not isinstance(node, ast.If | ast.Try | ast.With) else ast.walk(node)):
                if isinstance(sub, ast.ImportFrom):
                    top = (sub.module or "").split(".")[0] if sub.level == 0 else owner
                    bound.update({a.asname or a.name: top in ours and top != owner for a in sub.names})
                elif isinstance(sub, ast.Import):
                    for a in sub.names:
                        top = a.name.split(".")[0]
                        bound[a.asname or top] = top in ours and top != owner
        return bound

    def visit(node, scopes, path, owner):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scopes = [*scopes, bindings(node.body, owner)]
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in ours and top != owner:
                wrong.extend(f"{path} imports {node.module}.{a.name}" for a in node.names if _private(a.name))
        if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name):
            foreign = next((scope[node.value.id] for scope in reversed(scopes) if node.value.id in scope), False)
            if foreign:
                wrong.append(f"{path}:{node.lineno} uses {node.value.id}.{node.attr}")
        for child in ast.iter_child_nodes(node):
            visit(child, scopes, path, owner)

    for path, source in sources.items():
        owner = path.split("/")[0]
        tree = ast.parse(source)
        visit(tree, [bindings(tree.body, owner)], path, owner)
    return wrong


def xlsx_mime_constants(sources):
    return sorted(path for path, source in sources.items() if XLSX_MIME in source)


def largest_shares(sources, apps):
    """{app: share of all first-party lines} for apps above MAX_APP_SHARE."""
    lines = {}
    for path, source in sources.items():
        top = path.split("/")[0]
        lines[top] = lines.get(top, 0) + len(source.splitlines())
    total = sum(lines.values())
    return {app: round(n / total, 3) for app, n in lines.items() if app in apps and n / total > MAX_APP_SHARE}


@pytest.fixture(scope="module")
def sources():
    return project_sources()


def test_imports_run_one_way(sources):
    apps = first_party_apps()
    assert set(LINE) <= set(apps) and "demo" in apps
    assert (ROOT / "core").is_dir() and not (ROOT / "core" / "apps.py").exists()  # a floor, not an app
    assert upward_imports(sources, apps) == []


def test_core_imports_no_app_and_config_is_imported_by_entry_points_only(sources):
    apps = first_party_apps()
    core = [f"{p} imports {m}" for p, s in sources.items() if p.startswith("core/")
            for m, _ in _imports(s) if m.split(".")[0] in {*apps, "config", "bench"}]
    config = [f"{p} imports {m}" for p, s in sources.items() if not p.startswith("config/")
              for m, _ in _imports(s) if m.split(".")[0] == "config"]
    assert core == [] and config == []


def test_no_model_is_got_across_the_order(sources):
    assert models_got_upward(sources, first_party_apps()) == []


def test_no_private_name_of_another_app_is_used(sources):
    assert private_names_of_other_packages(sources, first_party_apps()) == []


def test_one_xlsx_mime_constant(sources):
    assert xlsx_mime_constants(sources) == ["core/spreadsheets.py"]


def test_no_app_holds_more_than_fifteen_percent_of_the_code(sources):
    assert largest_shares(sources, first_party_apps()) == {}


# --- the rules fail on a violation -------------------------------------------------------------------------------

APPS = ["accounts", "assessment", "campaigns", "demo", "geo", "layers", "patrol", "planning"]


@pytest.mark.parametrize("path, source", [
    ("core/photos.py", "from patrol.models import Photo\n"),
    ("core/months.py", "import config.settings\n"),
    ("geo/lookup.py", "from accounts.models import User\n"),
    ("patrol/services.py", "from layers import queries\n"),
    ("assessment/api.py", "import planning.services\n"),
    ("campaigns/api.py", "from demo.problems import make\n"),
    ("patrol/api.py", "from bench.base import gunicorn\n"),
    ("layers/tiles.py", "from config.middleware import CSPMiddleware\n"),
])
def test_an_import_against_the_order_is_found(path, source):
    assert upward_imports({path: source}, APPS) == [f"{path} imports {source.split()[1]}"]


def test_imports_along_the_order_pass():
    fine = {"assessment/api.py": "from patrol.models import Issue\nfrom core.errors import BadInput\n",
            "campaigns/api.py": "from planning import services\n", "demo/setup.py": "from campaigns import models\n",
            "bench/base.py": "from demo import geography\n", "config/urls.py": "from campaigns import urls\n"}
    assert upward_imports(fine, APPS) == []


def test_get_model_reaching_up_is_found():
    found = models_got_upward({"accounts/services.py": "from django.apps import apps\n"
                                                       "apps.get_model('campaigns', 'Campaign')\n"
                                                       "apps.get_model('geo.Village')\n"}, APPS)
    assert found == ["accounts/services.py:2 get_model('campaigns')"]


def test_a_private_name_of_another_app_is_found():
    source = ("from patrol.services import _category\nfrom layers import maps\nfrom . import monthly, services\n"
              "maps._Live()\nmonthly._villages()\nmaps.LIGHTS\nservices._year()\n"
              "def create():\n    from patrol import services\n    return services._category('x')\n")
    found = private_names_of_other_packages({"assessment/api.py": source}, APPS)
    assert found == ["assessment/api.py imports patrol.services._category", "assessment/api.py:4 uses maps._Live",
                     "assessment/api.py:10 uses services._category"]


def test_a_second_xlsx_mime_constant_is_found():
    assert xlsx_mime_constants({"core/spreadsheets.py": f"X = '{XLSX_MIME}'", "patrol/api.py": f"X = '{XLSX_MIME}'"}) \
        == ["core/spreadsheets.py", "patrol/api.py"]


def test_an_app_above_fifteen_percent_is_found():
    assert largest_shares({"patrol/a.py": "x\n" * 16, "core/b.py": "x\n" * 84}, APPS) == {"patrol": 0.16}
    assert largest_shares({"patrol/a.py": "x\n" * 15, "core/b.py": "x\n" * 85}, APPS) == {}


LIGHT_HOME = "patrol/lights.py"
LIGHT_RULE = re.compile(r"""THEN\s+'red'|Value\(\s*["']red["']|["']red["']\s+if\b|return\s+["']red["']""")


# Lights of another thing: a quota's or a task's progress against its target (campaigns), not a problem's.
OTHER_LIGHTS = {"campaigns/services.py"}


def light_rules(sources):
    """Modules other than patrol/lights.py that write a light rule themselves (a SQL CASE, an ORM Case or a Python
    branch ending in 'red')."""
    return sorted(path for path, source in sources.items()
                  if path != LIGHT_HOME and path not in OTHER_LIGHTS and LIGHT_RULE.search(source))


def test_the_light_rules_are_written_once(sources):
    """Issue 25: the problem light and the area light live in patrol/lights.py as Django expressions (with their
    Python twins); raw queries render them to SQL from there."""
    assert light_rules(sources) == []


@pytest.mark.parametrize("source", [
    "SQL = \"CASE WHEN status = 'closed' THEN 'green' WHEN red THEN 'red' ELSE 'yellow' END\"",
    "x = Case(When(q, then=Value('red')), default=Value('yellow'))",
    'light = "red" if counts["red"] else "green"',
    'def f(s):\n    return "red"\n',
])
def test_a_second_light_rule_is_found(source):
    assert light_rules({"layers/queries.py": source, LIGHT_HOME: source}) == ["layers/queries.py"]


def test_no_module_computes_area_scope_but_geo_scope():
    """Code prefixes and truncations of area codes live in geo/scope.py; elsewhere they are a bug waiting."""
    pattern = re.compile(r"""(area|code|town|village|grid)\w*\[:\s*(6|9|12|15)\]|code__startswith|"""
                         r"""area_code__startswith|(area|area_code|code)\)?\.startswith\(""")
    found = []
    for app in first_party_apps():
        for path in app_sources(app):
            if path == ROOT / "geo" / "scope.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and "CheckConstraint" not in line:  # a constraint is no scope
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_each_app_has_one_urls_module_with_its_namespace():
    for app in first_party_apps():
        urls = ROOT / app / "urls.py"
        if not urls.exists():
            continue
        assert f'app_name = "{app}"' in urls.read_text(encoding="utf-8"), app
        others = [p.name for p in (ROOT / app).glob("*urls*.py") if p.name != "urls.py"]
        assert others == [], app


def test_every_path_in_the_readme_still_resolves():
    """Clients are written against these paths: the app split must not move one. The README, the API reference and
    the operator's guide are read together (paths that moved out of the README are still checked); file-system
    paths of a server and nginx's own locations are not the application's."""
    from django.urls import Resolver404, resolve

    docs = ("README.md", "docs/api.md", "deploy/DEPLOY.md")
    text = "\n".join((ROOT / doc).read_text(encoding="utf-8") for doc in docs)
    not_ours = ("/etc/", "/srv/", "/run/", "/tmp/", "/opt/", "/var/", "/usr/", "/static/", "/protected-media/")
    paths = {p for p in re.findall(r"`(?:GET |POST )?(/[A-Za-z0-9_./{}<>-]*)", text) if not p.startswith(not_ours)}
    samples = {"{id}": "7", "{code}": "310112102201", "{z}": "14", "{x}": "13700", "{y}": "6700", "YYYY-MM": "2026-03"}
    unresolved = []
    for path in sorted(paths):
        concrete = path
        for placeholder, value in samples.items():
            concrete = concrete.replace(placeholder, value)
        try:
            resolve(concrete)
        except Resolver404:
            unresolved.append(path)
    assert len(paths) > 40 and unresolved == []


def test_templates_run_no_script_the_policy_would_refuse():
    """The Content-Security-Policy allows scripts from our origin and inline ones with the page's nonce only:
    an inline <script> without the nonce, or an inline event handler (onclick=…), would silently not run."""
    bad = []
    for path in ROOT.rglob("*.html"):
        if any(part in {".venv", "node_modules", "vendor", "staticfiles"} for part in path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                bad.append(f"{path.relative_to(ROOT)}: {tag}")
        bad += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert bad == []
