"""The maps of assessment, built on layers.maps: the month's scores by village, and one village's dossier map."""
from geo.models import Village
from layers import maps


def bounds_of(geoms):
    boxes = [g.extent for g in geoms if g is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def score_map(rows):
    """Villages coloured by the month's score (rows of an assessment)."""
    props = {r["code"]: {"score": r["score"], "rank": r["rank"], "town_name": r["town_name"]} for r in rows}
    villages = Village.objects.filter(code__in=list(props))
    m = maps.new_map(bounds=bounds_of([v.boundary for v in villages]))
    maps.add_choropleth(m, maps.area_geojson(villages, props), "score", maps.score_color, "月度得分",
                        fields=("name", "town_name", "score", "rank"), aliases=("行政村", "街镇", "得分", "名次"),
                        opacity=0.7)
    maps.score_legend(m)
    return maps.map_parts(m, layer_control=False)


def village_map(user, village, features, lights):
    """A village's dossier map: layers.smallmap.village_map (boundary, grids, its problems, the earlier problems
    that bear on them, rebound links) with a legend in Chinese."""
    from layers import smallmap

    return smallmap.village_map(user, village, features, lights)
