"""The village dossier (一村一档) as a printable A4 PDF: the village's map — boundary, grids, every problem in its
category's symbol and its light's colour — with its legend in Chinese words (lights counted as problems, each
category's symbol beside its name, the lines), then the problem list. Same words as the dossier page; no colour
code and no English category code is printed.
"""
import io

from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table

from core.pdf import a4_pdf, cjk_font, grid_style
from core.pdf import styles as pdf_styles
from geo.models import Grid
from layers import printmap
from layers.maps import LIGHT_LABELS
from patrol.models import Category, Issue, Status

LIST_MAX = 300
NEUTRAL = "#9e9e9e"  # the category symbols in the legend: their shape says the category, the map's colour the light


def village_dossier_pdf(village, today):
    font, styles = cjk_font(), pdf_styles()
    issues = list(Issue.objects.filter(village=village).with_light(today).select_related("category", "grid")
                  .order_by("-reported_at", "-id"))
    lights = {k: sum(1 for i in issues if i.light == k) for k in ("red", "yellow", "green")}
    categories = list(Category.objects.order_by("sort", "code").values_list("code", "name"))
    markers = printmap.category_markers([code for code, _ in categories])
    grids = list(Grid.objects.filter(village=village).order_by("code"))
    points = [(i.location.x, i.location.y, i.light, i.category_id) for i in issues]
    png = printmap.place_map_png(village, grids, points, markers)

    shown = {i.category_id for i in issues}
    symbols = [(printmap.symbol_png(markers[code][0], NEUTRAL, hollow=markers[code][1]), name)
               for code, name in categories if code in shown]
    story = [
        Paragraph(f"一村一档：{village.name}", styles["title"]),
        Paragraph(f"{village.town.name} · 行政村代码 {village.code} · 截至 {today:%Y年%m月%d日}", styles["p"]),
        Paragraph(f"问题 {len(issues)} 个：红灯 {lights['red']} 个，黄灯 {lights['yellow']} 个，"
                  f"绿灯 {lights['green']} 个", styles["p"]),
        Spacer(1, 3 * mm),
        Paragraph("一、问题分布图", styles["h"]),
        Image(io.BytesIO(png), width=180 * mm, height=180 * mm * 0.62),
        Table([[printmap.legend_table(printmap.pin_light_items(lights) + [("#1f4e79", "粗线：行政村界"),
                                                                         ("#ffffff", "点线：网格界")],
                                      font, title="图例（颜色：问题亮灯）"),
                printmap.symbol_legend_table(symbols or [], font, title="图例（符号：问题类别）")]],
              colWidths=[90 * mm, 90 * mm], hAlign="LEFT", style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
        Paragraph("二、问题清单", styles["h"]),
    ]
    if not issues:
        story.append(Paragraph("无", styles["p"]))
    else:
        statuses = dict(Status.choices)
        rows = [["编号", "类别", "网格", "状态", "亮灯", "上报日期", "整改期限", "销号日期", "反弹自"]]
        for i in issues[:LIST_MAX]:
            rows.append([i.pk, i.category.name, i.grid.name if i.grid else "—", statuses.get(i.status, "—"),
                         LIGHT_LABELS.get(i.light, "—"), f"{i.reported_at:%Y-%m-%d}",
                         i.deadline.isoformat() if i.deadline else "—",
                         f"{i.closed_at:%Y-%m-%d}" if i.closed_at else "—",
                         f"{i.rebound_of_id}号" if i.rebound_of_id else ""])
        table = Table(rows, repeatRows=1)
        table.setStyle(grid_style(8))
        story.append(table)
        if len(issues) > LIST_MAX:
            story.append(Paragraph(f"（仅列最近 {LIST_MAX} 个，共 {len(issues)} 个；全部见工作台账）", styles["small"]))
    story += analysis_story(village, styles)
    return a4_pdf(story, f"一村一档 {village.name}", footer=lambda page: f"一村一档 · {village.name} · 第 {page} 页")


def analysis_story(village, styles):
    """三、一村一档一分析: each evaluation round's analysis (its newest revision), newest round first."""
    from xml.sax.saxutils import escape

    from . import analysis
    from .models import VillageAnalysis

    out = [Paragraph("三、一村一档一分析", styles["h"])]
    latest = {}
    for a in (VillageAnalysis.objects.filter(village=village).select_related("written_by")
              .order_by("-round", "-written_at", "-id")):
        latest.setdefault(a.round, a)
    if not latest:
        return out + [Paragraph("尚未填写（全区排名后 1/3 的村须制定，见工作方案 000）", styles["p"])]
    for first, a in latest.items():
        who = a.written_by.get_full_name() or a.written_by.username
        out += [Paragraph(f"{analysis.round_label(village.town_id, first)}（{who} {a.written_at:%Y-%m-%d} 填写）",
                          styles["p"]),
                Paragraph("问题症结：" + escape(a.causes).replace("\n", "<br/>"), styles["p"]),
                Paragraph("解决方案：" + escape(a.measures).replace("\n", "<br/>"), styles["p"]),
                Spacer(1, 2 * mm)]
    return out
