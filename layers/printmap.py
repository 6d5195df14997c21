"""Printed maps (the monthly report, the campaign report): the same names, colours and legend words as the pages,
legible on A4 — villages filled by their light, town borders drawn heavier, village names with a white halo and
no two overlapping (a name that would cover another is left out, larger villages first), and a legend of
coloured swatches with Chinese words (never a colour code). Drawn with matplotlib (Agg, no browser) in the CJK
font of core.pdf.
"""
import io
import math

from core.pdf import font_path

from .maps import AREA_LIGHT_LABELS, LIGHT_COLORS


def area_map_png(area_lights, villages, towns=(), width_px=1400, dpi=200, colors=None):
    """PNG bytes: `villages` filled by `area_lights` (code → light, or → a key of `colors`), outlined in grey,
    `towns` outlined in dark purple, names placed without overlap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patheffects as effects
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.font_manager import FontProperties

    colors = colors or LIGHT_COLORS
    polys, faces, ys = [], [], []
    for v in villages:
        geom = v.boundary.simplify(0.0001, preserve_topology=True)
        for polygon in geom.coords if geom.geom_type == "MultiPolygon" else [geom.coords]:
            polys.append(polygon[0])
            faces.append(colors.get(area_lights.get(v.code), "#cccccc"))
            ys.extend(p[1] for p in polygon[0])
    fig = plt.figure(figsize=(width_px / dpi, width_px * 0.62 / dpi), dpi=dpi)
    ax = fig.add_axes([0.01, 0.01, 0.98, 0.98])
    ax.set_axis_off()
    if polys:
        ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="#666666", linewidths=0.35))
        town_lines = []
        for t in towns:
            geom = t.boundary.simplify(0.0002, preserve_topology=True)
            for polygon in geom.coords if geom.geom_type == "MultiPolygon" else [geom.coords]:
                town_lines.append(polygon[0])
        if town_lines:
            ax.add_collection(LineCollection(town_lines, colors="#3d2f66", linewidths=1.2, linestyles="--"))
        ax.autoscale_view()
        ax.set_aspect(1 / math.cos(math.radians((min(ys) + max(ys)) / 2)))
        font = font_path()
        if font:
            _names(fig, ax, sorted(villages, key=lambda v: -v.boundary.area), FontProperties(fname=font, size=6.5),
                   effects)
            bold = FontProperties(fname=font, size=9, weight="bold")
            _names(fig, ax, list(towns), bold, effects, color="#3d2f66", placed=None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _names(fig, ax, areas, props, effects, color="#111111", placed=None):
    """Names at points inside their areas with a white halo; one that would overlap a placed name is dropped."""
    renderer = fig.canvas.get_renderer()
    boxes = [] if placed is None else placed
    for area in areas:
        p = area.boundary.point_on_surface
        text = ax.annotate(area.name, (p.x, p.y), ha="center", va="center", fontproperties=props, color=color,
                           path_effects=[effects.withStroke(linewidth=2.2, foreground="white")])
        box = text.get_window_extent(renderer).expanded(1.08, 1.15)
        if any(box.overlaps(b) for b in boxes):
            text.remove()
            continue
        boxes.append(box)
    return boxes


def legend_table(items, font, title="图例", size=9):
    """A reportlab Table: the title, then one row per entry — a coloured swatch and its words
    (items: [(colour, words)])."""
    from reportlab.lib import colors as rl_colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    rows = [[title, ""]] + [["", words] for _, words in items]
    style = [("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
             ("SPAN", (0, 0), (1, 0)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
    for i, (color, _) in enumerate(items, start=1):
        style += [("BACKGROUND", (0, i), (0, i), rl_colors.HexColor(color)),
                  ("BOX", (0, i), (0, i), 0.4, rl_colors.HexColor("#666666"))]
    return Table(rows, colWidths=[6 * mm, None], style=TableStyle(style), hAlign="LEFT")


def light_legend_items(counts, unit="个村"):
    """The areas' lights in words, with their counts: [(colour, "红灯（有超期或督办问题）12 个村"), ...]."""
    return [(LIGHT_COLORS[k], f"{AREA_LIGHT_LABELS[k]} {counts.get(k, 0)} {unit}") for k in ("red", "yellow", "green")]
