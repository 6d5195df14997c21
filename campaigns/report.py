"""The campaign report (PDF): period, phases, quotas and every village's acceptance (考核验收) result."""
import io

from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table

from core.pdf import a4_pdf, cjk_font, grid_style, styles
from geo.models import Town
from layers import printmap
from patrol.models import Category

from . import services


def campaign_report_pdf(campaign, area):
    st = styles()
    grid = grid_style()
    names = dict(Category.objects.values_list("code", "name"))
    villages = list(services.campaign_villages(campaign, area).order_by("code"))
    results = services.acceptance_results(campaign, area)
    passed = sum(1 for r in results.values() if r.result == "pass")
    failed = sum(1 for r in results.values() if r.result == "fail")
    story = [
        Paragraph(f"{campaign.name} 专项行动报告", st["title"]),
        Paragraph(f"期间：{campaign.start} 至 {campaign.end}；范围：{'、'.join(campaign.areas)}", st["p"]),
        Paragraph("阶段", st["h"]),
        Table([["阶段", "类型", "开始", "结束"]] + [[p.name, p.get_kind_display(), str(p.start), str(p.end)]
                                                 for p in campaign.phases.all()] or [["—"] * 4], style=grid),
        Paragraph("每周指标（每村）", st["h"]),
        Table([["指标", "类别", "每周至少", "适用"]] + [
            [q.name, Paragraph("、".join(names.get(c, c) for c in q.categories), st["p"]), str(q.per_village_per_week),
             f"{q.valid_from or '开始'} 起" + (f"，{q.valid_until} 前" if q.valid_until else "")]
            for q in campaign.quotas.all()], style=grid),
        Paragraph(f"考核验收结果：通过 {passed} 个，不通过 {failed} 个，未验收 {len(villages) - passed - failed} 个",
                  st["h"]),
    ]
    lights = {v.code: {"pass": "green", "fail": "red"}.get(getattr(results.get(v.code), "result", ""), "yellow")
              for v in villages}
    if villages:
        towns = Town.objects.filter(code__in={v.town_id for v in villages})
        png = printmap.area_map_png(lights, villages, towns=towns, width_px=1200)
        counts = {k: sum(1 for v in lights.values() if v == k) for k in ("red", "yellow", "green")}
        story += [Image(io.BytesIO(png), width=170 * mm, height=170 * mm * 0.62),
                  printmap.legend_table([(printmap.LIGHT_COLORS["green"], f"通过 {counts['green']} 个村"),
                                         (printmap.LIGHT_COLORS["red"], f"不通过 {counts['red']} 个村"),
                                         (printmap.LIGHT_COLORS["yellow"], f"未验收 {counts['yellow']} 个村"),
                                         ("#ffffff", "虚线：街镇界")], cjk_font(), title="图例（考核验收）"),
                  Spacer(1, 4)]
    rows = [["行政村代码", "行政村", "结果", "说明", "验收人", "时间"]]
    for v in villages:
        r = results.get(v.code)
        rows.append([v.code, v.name, r.get_result_display() if r else "未验收",
                     Paragraph(r.note, st["p"]) if r and r.note else "",
                     r.recorded_by.get_full_name() or r.recorded_by.username if r else "",
                     r.recorded_at.strftime("%Y-%m-%d") if r else ""])
    story.append(Table(rows, colWidths=[28 * mm, 28 * mm, 16 * mm, 60 * mm, 20 * mm, 22 * mm], style=grid,
                       repeatRows=1))
    return a4_pdf(story, f"{campaign.name} 专项行动报告", margin_mm=14)
