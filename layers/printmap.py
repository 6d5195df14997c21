"""Printed maps (the monthly report, the campaign report, the village dossier): the same names, colours and legend
words as the pages,
legible on A4 — villages filled by their light, town borders drawn heavier, village names with a white halo and
no two overlapping (a name that would cover another is left out, larger villages first), and a legend of
coloured swatches with Chinese words (never a colour code). Drawn with matplotlib (Agg, no browser) in the CJK
font of core.pdf. On the village dossier each problem category has its own point symbol (a shape, as the pins
have their own icon), coloured by the problem's light; the legend shows each symbol beside the category's name.
"""
import io
import math

from core.pdf import font_path

from .maps import AREA_LIGHT_LABELS, LIGHT_COLORS, PIN_LIGHT_LABELS


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


def _names(fig, ax, areas, props, effects, color="#111111", placed=None, avoid=(), shifts=((0, 0),)):
    """Names at points inside their areas with a white halo; a name is tried at each of `shifts` (points, from
    its place) and dropped when every try would overlap a placed name or a box of `avoid` (display pixels)."""
    renderer = fig.canvas.get_renderer()
    boxes = [] if placed is None else placed
    for area in areas:
        p = area.boundary.point_on_surface
        for dx, dy in shifts:
            text = ax.annotate(area.name, (p.x, p.y), xytext=(dx, dy), textcoords="offset points", ha="center",
                               va="center", fontproperties=props, color=color,
                               path_effects=[effects.withStroke(linewidth=2.2, foreground="white")])
            box = text.get_window_extent(renderer).expanded(1.08, 1.15)
            if not any(box.overlaps(b) for b in [*boxes, *avoid]):
                boxes.append(box)
                break
            text.remove()
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


# One point symbol per category in print (matplotlib markers, told apart in black and white too), in category
# order; more categories than shapes reuse them with a white centre.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "p", "<", ">", "d", "8"]


def category_markers(codes):
    """{category code: (marker, hollow)} for the categories in their display order (patrol.Category.sort)."""
    return {code: (MARKERS[i % len(MARKERS)], i >= len(MARKERS)) for i, code in enumerate(codes)}


def _outline(geom, tolerance):
    geom = geom.simplify(tolerance, preserve_topology=True)
    return [polygon[0] for polygon in (geom.coords if geom.geom_type == "MultiPolygon" else [geom.coords])]


def place_map_png(village, grids, points, markers, width_px=1400, dpi=200):
    """PNG bytes of one village for print: its boundary (heavy), its grids (thin, named), the problems as points
    (`points`: [(lon, lat, light, category code)], drawn green first so red stays on top) in their category's
    symbol (`markers`, from category_markers) and their light's colour, and the village's name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patheffects as effects
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.font_manager import FontProperties

    fig = plt.figure(figsize=(width_px / dpi, width_px * 0.62 / dpi), dpi=dpi)
    ax = fig.add_axes([0.01, 0.01, 0.98, 0.98])
    ax.set_axis_off()
    grid_lines = [line for g in grids for line in _outline(g.boundary, 0.00002)]
    if grid_lines:
        ax.add_collection(LineCollection(grid_lines, colors="#8a8a8a", linewidths=0.5, linestyles=":"))
    outline = _outline(village.boundary, 0.00002)
    ax.add_collection(LineCollection(outline, colors="#1f4e79", linewidths=1.6))
    order = {"green": 0, "yellow": 1, "red": 2}
    drawn = []
    for lon, lat, light, category in sorted(points, key=lambda p: order.get(p[2], 0)):
        marker, hollow = markers.get(category, ("o", True))
        color = LIGHT_COLORS.get(light, "#777777")
        drawn += ax.plot([lon], [lat], marker=marker, markersize=6.5, markeredgewidth=0.8, markeredgecolor="#222222",
                         markerfacecolor="white" if hollow else color, color=color, linestyle="none")
    ax.autoscale_view()
    x0, y0, x1, y1 = village.boundary.extent
    pad = max(x1 - x0, y1 - y0) * 0.04
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    font = font_path()
    if font:
        # Names step aside from the problems' symbols (up or down), and are left out where they cannot.
        renderer = fig.canvas.get_renderer()
        avoid = [line.get_window_extent(renderer).expanded(1.2, 1.2) for line in drawn]
        shifts = ((0, 0), (0, 9), (0, -9), (0, 18), (0, -18), (0, 27), (0, -27))
        placed = _names(fig, ax, [village], FontProperties(fname=font, size=10, weight="bold"), effects,
                        color="#1f4e79", avoid=avoid, shifts=shifts)
        _names(fig, ax, sorted(grids, key=lambda g: -g.boundary.area), FontProperties(fname=font, size=6), effects,
               color="#555555", placed=placed, avoid=avoid, shifts=shifts)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def symbol_png(marker, color, hollow=False, size_px=48):
    """A small PNG of one point symbol (for the legend rows of a printed map)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(size_px / 100, size_px / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    ax.plot([0], [0], marker=marker, markersize=size_px * 0.42, markeredgewidth=1.4, markeredgecolor="#222222",
            markerfacecolor="white" if hollow else color, linestyle="none")
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def symbol_legend_table(items, font, title="图例", size=9):
    """A reportlab Table like legend_table, each row's first cell a drawn symbol: items [(png bytes, words)]."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Table, TableStyle

    rows = [[title, ""]] + [[Image(io.BytesIO(png), width=4 * mm, height=4 * mm), words] for png, words in items]
    style = [("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
             ("SPAN", (0, 0), (1, 0)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
    return Table(rows, colWidths=[6 * mm, None], style=TableStyle(style), hAlign="LEFT")


def pin_light_items(counts):
    """The problems' lights in words, with their counts: [(colour, "红灯（超期或督办）3 个问题"), ...]."""
    return [(LIGHT_COLORS[k], f"{PIN_LIGHT_LABELS[k]} {counts.get(k, 0)} 个问题") for k in ("red", "yellow", "green")]
