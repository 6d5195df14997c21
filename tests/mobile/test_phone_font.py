"""The field app's cut of the icon font (mobile/make_font.py) holds every icon the app can show."""
import re

import pytest
from fontTools.ttLib import TTFont

from mobile import make_font
from patrol.models import Category


def declared():
    css = (make_font.OUT / "fa-phone.css").read_text(encoding="utf-8")
    return {int(u, 16) for u in re.findall(r"U\+([0-9A-F]+)", re.search(r"unicode-range:([^;}]+)", css).group(1))}


def test_the_cut_holds_the_apps_icons_and_declares_exactly_its_glyphs():
    points = make_font.codepoints()
    font = TTFont(make_font.OUT / "fa-phone.woff")
    in_font = set(font.getBestCmap())
    for name in make_font.app_icons() | make_font.category_icons():
        assert points[name] in in_font and points[name] in declared(), f"icon {name} missing: run mobile/make_font.py"
    assert declared() <= in_font
    assert (make_font.OUT / "fa-phone.woff").stat().st_size < 20_000


@pytest.mark.django_db
def test_every_category_icon_in_the_database_is_in_the_cut():
    points = make_font.codepoints()
    icons = set(Category.objects.exclude(icon="").values_list("icon", flat=True))
    assert icons
    assert {points[i] for i in icons} <= declared()
