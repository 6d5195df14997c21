"""The small maps of one place (issue 27): a problem's own page (/issues/<id>/) and a village's dossier (一村一档).

Each draws, over the offline base map, the problem (or the village's problems), the village boundary with its
grids, and the earlier problems within the rebound distance (PATROL["REBOUND_DISTANCE_M"], metres: a report of the
same category that near a problem closed within the window is recorded as its rebound, patrol.services). Earlier
problems of every category are shown — the person checking a report wants to see what was there before; the
tooltip names the category. Only problems the viewer may see are drawn. The place names embedded are the
village's and its grids' only, so the page stays small whoever looks.
"""
from django.conf import settings
from django.utils import timezone

from geo.models import Grid, Village
from patrol.geojson import feature, feature_rows
from patrol.models import Category, Issue
from patrol.querysets import degree_margins

from . import maps

EARLIER_MAX = 200
SELF_COLOR = "#5b396b"  # awesome-markers' darkpurple


def rebound_metres():
    return float(settings.PATROL["REBOUND_DISTANCE_M"])


def place_names_of(village):
    """The village's and its grids' names in queries.place_names' shape (largest first)."""
    from django.contrib.gis.db.models.functions import Area, PointOnSurface

    names = {}
    levels = (("village", Village.objects.filter(pk=village.pk)), ("grid", Grid.objects.filter(village=village)))
    for level, qs in levels:
        rows = qs.annotate(_p=PointOnSurface("boundary"), _a=Area("boundary")).order_by("-_a", "code")
        names[level] = [[code, name, round(p.y, 5), round(p.x, 5)] for code, name, p in
                        rows.values_list("code", "name", "_p")]
    return names


def _features(queryset):
    return [feature(r) for r in feature_rows(queryset, timezone.localdate())]


def earlier_near_issue(user, issue):
    """The problems the user may see reported before `issue` within the rebound distance of it, nearest first."""
    qs = (Issue.objects.for_user(user).near(issue.location.x, issue.location.y, rebound_metres())
          .filter(reported_at__lt=issue.reported_at).exclude(pk=issue.pk).order_by("distance_m", "id"))
    return _features(qs[:EARLIER_MAX])


# Raw SQL: "an open problem of this village reported later lies within d metres" is an EXISTS over geography
# distances, which the ORM cannot say on a geographic geometry column in metres. The && box (the village's
# extent widened by the distance) lets the GiST index find the candidates; all values bound.
EARLIER_OUTSIDE_SQL = """
SELECT e.id FROM patrol_issue e
WHERE e.village_id <> %(village)s AND e.location && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)
  AND EXISTS (SELECT 1 FROM patrol_issue o
              WHERE o.village_id = %(village)s AND o.status <> 'closed' AND o.reported_at > e.reported_at
                AND ST_DWithin(o.location::geography, e.location::geography, %(metres)s))
ORDER BY e.id LIMIT %(limit)s
"""


def earlier_near_village(user, village, features):
    """Earlier problems outside the village that the user may see and that matter to its problems: the ones its
    rebounds rebound, and those within the rebound distance of its open problems (across its boundary)."""
    from django.db import connection

    own = {f["id"] for f in features}
    ids = {f["properties"]["rebound_of"] for f in features if f["properties"].get("rebound_of")} - own
    x0, y0, x1, y1 = village.boundary.extent
    dlon, dlat = degree_margins((y0 + y1) / 2, rebound_metres())
    with connection.cursor() as cur:
        cur.execute(EARLIER_OUTSIDE_SQL, {"village": village.code, "x0": x0 - dlon, "y0": y0 - dlat, "x1": x1 + dlon,
                                          "y1": y1 + dlat, "metres": rebound_metres(), "limit": EARLIER_MAX})
        ids |= {row[0] for row in cur.fetchall()}
    if not ids:
        return []
    return _features(Issue.objects.for_user(user).filter(pk__in=ids).order_by("id")[:EARLIER_MAX])


def _boundaries(m, village):
    maps.add_boundaries(m, maps.area_geojson(Grid.objects.filter(village=village)), "网格", color="#7a7a7a", weight=1)
    maps.add_boundaries(m, maps.area_geojson([village]), "行政村边界", color="#1f4e79", weight=2.5)


def _category_legend(m, features):
    """Each category drawn on this map with its pin symbol (the icons of the phone app)."""
    shown = {f["properties"]["category"] for f in features}
    rows = Category.objects.filter(code__in=shown).order_by("sort", "code").values_list("code", "name", "icon")
    maps.legend_section(m, "问题类别（图钉符号）", [{"color": "#333", "label": name, "key": f"category-{code}",
                                               "count": None, "icon": icon or "circle"} for code, name, icon in rows],
                        key="categories")


def _lookups():
    rows = list(Category.objects.values_list("code", "name", "icon"))
    return {c: i for c, _, i in rows}, {c: n for c, n, _ in rows}


def issue_map(user, issue):
    """The problem's small map (map_parts): the problem above everything, a circle of the rebound distance, the
    earlier problems inside it, the village boundary and grids; it opens on the circle with some room around."""
    import folium

    metres = rebound_metres()
    lon, lat = issue.location.x, issue.location.y
    earlier = earlier_near_issue(user, issue)
    dlon, dlat = degree_margins(lat, max(metres * 3, 120))
    m = maps.new_map(bounds=(lon - dlon, lat - dlat, lon + dlon, lat + dlat), names=place_names_of(issue.village))
    _boundaries(m, issue.village)
    folium.Circle(maps.display_point(m, lat, lon), radius=metres, color=SELF_COLOR, weight=1.5, dash_array="6 4",
                  fill=True, fill_opacity=0.06, tooltip=f"反弹判定范围：{metres:g} 米").add_to(m)
    icons, names = _lookups()
    maps.add_issue_pins(m, earlier, icons=icons, names=names, name=f"此前 {metres:g} 米内的问题", cluster=False,
                        role="earlier")
    own = _features(Issue.objects.filter(pk=issue.pk))
    maps.add_issue_pins(m, own, icons=icons, names=names, name="本问题", cluster=False, role="self",
                        z_offset=100_000, color="darkpurple")
    light = own[0]["properties"]["light"]
    maps.legend_section(m, "本图", [
        {"color": SELF_COLOR, "label": f"本问题（{maps.LIGHT_LABELS.get(light, '')}）", "key": "self",
         "count": None, "icon": icons.get(issue.category_id) or "circle"},
        {"color": "#999", "label": f"此前 {metres:g} 米内上报的问题（按亮灯着色）", "key": "earlier",
         "count": len(earlier), "dot": True},
        {"color": SELF_COLOR, "label": f"反弹判定范围（{metres:g} 米）", "key": "radius", "count": None, "dot": True},
        {"color": "#1f4e79", "label": "行政村边界", "key": "village", "count": None, "line": True},
    ], key="issue", unit="个")
    maps.legend_section(m, "亮灯", [{"color": maps.LIGHT_COLORS[k], "label": maps.PIN_LIGHT_LABELS[k], "key": k,
                                   "count": None, "dot": True} for k in ("red", "yellow", "green")], key="lights")
    _category_legend(m, own + earlier)
    return maps.map_parts(m, layer_control=False), earlier


def village_map(user, village, features, lights):
    """A village's dossier map (map_parts): boundary and grids, its problems (clustered above 200), and the
    earlier problems across its boundary that bear on them, with a dashed line from each rebound to what it
    rebounds."""
    import folium

    metres = rebound_metres()
    m = maps.new_map(bounds=village.boundary.extent, names=place_names_of(village))
    _boundaries(m, village)
    icons, names = _lookups()
    earlier = earlier_near_village(user, village, features)
    maps.add_issue_pins(m, earlier, icons=icons, names=names, name=f"村外此前 {metres:g} 米内的问题", cluster=False,
                        role="earlier")
    maps.add_issue_pins(m, features, icons=icons, names=names, cluster=len(features) > 200, role="village")
    where = {f["id"]: f["geometry"]["coordinates"] for f in features + earlier}
    links = folium.FeatureGroup(name="反弹关联")
    n_links = 0
    for f in features:
        before = f["properties"].get("rebound_of")
        if before in where:
            (x0, y0), (x1, y1) = where[before][:2], f["geometry"]["coordinates"][:2]
            folium.PolyLine([maps.display_point(m, y0, x0), maps.display_point(m, y1, x1)], color="#c2185b",
                            weight=2, dash_array="4 4", tooltip=f"#{f['id']} 为 #{before} 的反弹").add_to(links)
            n_links += 1
    links.add_to(m)
    maps.legend_section(m, "问题亮灯（当前）", [
        {"color": maps.LIGHT_COLORS[k], "label": maps.PIN_LIGHT_LABELS[k], "key": k, "count": lights.get(k, 0),
         "dot": True} for k in ("red", "yellow", "green")], key="pins", unit="个问题")
    maps.legend_section(m, "本图", [
        {"color": "#999", "label": f"村外此前 {metres:g} 米内的问题（按亮灯着色）", "key": "earlier",
         "count": len(earlier), "dot": True},
        {"color": "#c2185b", "label": "反弹关联（虚线）", "key": "links", "count": n_links, "line": True},
        {"color": "#1f4e79", "label": "行政村边界", "key": "village", "count": None, "line": True},
    ], key="village", unit="处")
    _category_legend(m, features + earlier)
    return maps.map_parts(m)


def issue_panel(sender, request, issue, **kwargs):
    """patrol.signals.issue_page_panels: the small map on the problem's page (its HTML)."""
    from django.template.loader import render_to_string

    parts, earlier = issue_map(request.user, issue)
    panel = {"map": parts, "earlier": earlier, "metres": rebound_metres()}
    return render_to_string("layers/_issue_map.html", {"panel": panel}, request=request)
