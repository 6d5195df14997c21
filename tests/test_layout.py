"""The app layout: imports run one way (geo ← accounts ← patrol ← layers ← assessment ← planning ← demo), apps
outside that line sit above what they use, nothing imports demo, and area scope is computed in geo/scope.py only."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ["geo", "accounts", "patrol", "layers", "assessment", "planning"]


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


def test_imports_run_one_way():
    apps = first_party_apps()
    assert set(CORE) <= set(apps) and "demo" in apps
    wrong = [f"{p.relative_to(ROOT)} imports {m}" for p in app_sources("core") for m in imported_modules(p)
             if m.split(".")[0] in set(apps) | {"config", "bench"}]
    for app in apps:
        if app in CORE:
            allowed = set(CORE[: CORE.index(app)])
        elif app == "demo":
            allowed = set(apps) - {"demo"}
        else:  # an app above the line (mobile, campaigns, households, …) may use the line, never demo
            allowed = set(apps) - {"demo", app}
        for path in app_sources(app):
            for module in imported_modules(path):
                top = module.split(".")[0]
                if top in apps and top != app and top not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


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
    """Clients are written against these paths: the app split must not move one."""
    from django.urls import Resolver404, resolve

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`(?:GET |POST )?(/[A-Za-z0-9_./{}<>-]*)", text))
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
