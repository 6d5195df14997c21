"""One design system: Bootstrap 5 and htmx from our own static files, no page-local CSS class named like one of
Bootstrap's (the campaign page's `progress` table once collapsed into Bootstrap's 16-px bar), no inline handler."""
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", "vendor", ".pg", ".git"}


def _files(pattern):
    return [p for p in ROOT.rglob(pattern) if not SKIP & set(p.relative_to(ROOT).parts)]


def _selector_classes(css):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = re.sub(r"\{[^{}]*\}", "\n", re.sub(r"@media[^{]*\{", "", css))  # drop declarations, keep selectors
    return set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", selectors))


def _on_bootstrap(templates):
    """The templates whose page loads Bootstrap: base.html and whatever extends it, directly or not."""
    parents = {}
    for path in templates:
        m = re.search(r"{%\s*extends\s+[\"']([^\"']+)[\"']", path.read_text())
        if m:
            parents[path] = m.group(1)
    by_name = {"/".join(p.parts[p.parts.index("templates") + 1:]): p for p in templates if "templates" in p.parts}

    def loads(path, seen=()):
        name = "/".join(path.parts[path.parts.index("templates") + 1:]) if "templates" in path.parts else ""
        if name == "base.html":
            return True
        parent = by_name.get(parents.get(path, ""))
        return parent is not None and parent not in seen and loads(parent, (*seen, path))

    return [p for p in templates if loads(p)]


def _own_css():
    """Page-local classes of the pages on Bootstrap: the site's stylesheet and the <style> blocks of templates on
    the base layout (the phone app's shell and the printed door cards do not load Bootstrap)."""
    found = {"static/css/site.css": _selector_classes((ROOT / "static/css/site.css").read_text())}
    for path in _on_bootstrap(_files("*.html")):
        for block in re.findall(r"<style[^>]*>(.*?)</style>", path.read_text(), flags=re.S):
            found.setdefault(str(path.relative_to(ROOT)), set()).update(_selector_classes(block))
    return found


def test_no_page_local_class_collides_with_bootstrap():
    bootstrap = _selector_classes((ROOT / "node_modules/bootstrap/dist/css/bootstrap.css").read_text())
    assert {"progress", "badge", "table", "navbar"} <= bootstrap  # the parser reads Bootstrap's classes
    own = _own_css()
    assert "campaign-progress" in own["campaigns/templates/campaigns/campaign_page.html"]
    collisions = {path: sorted(classes & bootstrap) for path, classes in own.items() if classes & bootstrap}
    assert collisions == {}


def test_base_layout_uses_vendored_bootstrap_and_htmx():
    base = (ROOT / "templates/base.html").read_text()
    for asset in ("vendor/bootstrap/css/bootstrap.min.css", "vendor/bootstrap/js/bootstrap.bundle.min.js",
                  "vendor/htmx/htmx.min.js"):
        assert asset in base
    assert "htmx.org" in (ROOT / "package.json").read_text()
    assert "htmx.org/dist/htmx.min.js" in (ROOT / "scripts/vendor_assets.sh").read_text()


def test_no_inline_handler_or_cdn_in_templates():
    bad = []
    for path in _files("*.html"):
        text = path.read_text()
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text) or re.search(r"(src|href)=\"(https?:)?//", text) \
                or "javascript:" in text:
            bad.append(str(path.relative_to(ROOT)))
    assert bad == []
