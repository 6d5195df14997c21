"""The printable monthly report (月度考核通报): A4 PDF with a map of village lights, the ranking, the red–black
list, metrics and the overdue and red-supervised problems, all as things stood at the month's end.

The map is drawn server-side with matplotlib (Agg, no browser) and embedded as a PNG; the font and styles are
core.pdf's.
"""
import io

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

from core.months import month_end
from core.pdf import a4_pdf, cjk_font
from core.pdf import styles as pdf_styles
from geo import scope
from geo.models import Town, Village
from layers import printmap
from layers.maps import LIGHT_LABELS
from patrol.history import states_at_month_end
from patrol.models import Category

from . import monthly as assessment


def light_map_png(village_lights, villages, width_px=1400, dpi=200, towns=()):
    """PNG bytes: the villages filled by their month-end light, named, town borders heavier (layers.printmap)."""
    return printmap.area_map_png(village_lights, villages, towns=towns, width_px=width_px, dpi=dpi)


def _pct(v):
    return "—" if v is None else f"{v:.0%}"


def monthly_report_pdf(month, area_code=None, town=None):
    """PDF bytes of the month's report for the villages of an area (optionally one town)."""
    from . import results

    font = cjk_font()
    result = results.month(area_code or "", month, town)
    scope_code = town or area_code or ""
    scope_name = (Town.objects.filter(code=town).values_list("name", flat=True).first() if town else None) or (
        "辖区" if not area_code else _area_name(area_code))
    codes = [r["code"] for r in result.rows]
    lights = {r["code"]: r["light"] for r in result.rows}

    styles = pdf_styles()
    story = [
        Paragraph(f"农村人居环境整治月度考核通报（{month:%Y年%m月}）"
                  f"{results.PROVISIONAL if result.provisional else ''}", styles["title"]),
        Paragraph(f"范围：{scope_name}（{scope_code or '全部'}）　口径：{month:%Y-%m} 月末时点，据处置记录重建",
                  styles["p"]),
        Spacer(1, 3 * mm),
    ]
    villages = list(Village.objects.filter(code__in=codes))
    towns = Town.objects.filter(code__in={v.town_id for v in villages})
    png = light_map_png(lights, villages, towns=towns)
    img = Image(io.BytesIO(png), width=180 * mm, height=180 * mm * 0.62)
    counts = {k: sum(1 for v in lights.values() if v == k) for k in ("red", "yellow", "green")}
    story += [Paragraph("一、亮灯地图", styles["h"]), img,
              printmap.legend_table(printmap.light_legend_items(counts) + [("#ffffff", "虚线：街镇界")], font,
                                    title=f"图例（{month:%Y年%m月}月末行政村亮灯）")]

    total = {k: sum(r["metrics"][k] for r in result.rows) for k in ("found", "closed", "closed_on_time", "open",
                                                                     "overdue", "red", "rebounds")}
    closure = total["closed"] / (total["closed"] + total["open"]) if total["closed"] + total["open"] else None
    on_time = total["closed_on_time"] / total["closed"] if total["closed"] else None
    story += [
        Paragraph("二、总体指标", styles["h"]),
        _table([["行政村", "发现问题", "结案", "结案率", "按期结案率", "月末未结案", "超期", "红色督办", "反弹"],
                [len(result.rows), total["found"], total["closed"], _pct(closure), _pct(on_time), total["open"],
                 total["overdue"], total["red"], total["rebounds"]]], font, styles),
    ]
    red = "、".join(f"{r['name']}（{r['score_text']}）" for r in result.red_list) or "无"
    black = "、".join(f"{r['name']}（{r['score_text']}）" for r in result.black_list) or "无"
    story += [Paragraph("三、红黑榜", styles["h"]), Paragraph(f"红榜：{red}", styles["p"]),
              Paragraph(f"黑榜：{black}", styles["p"])]

    rows = [["名次", "行政村", "街镇", "得分", "亮灯", "发现", "结案", "结案率", "按期率", "超期", "督办", "标记"]]
    for r in result.rows:
        m = r["metrics"]
        flags = "；".join(f["label"].split("：")[0] for f in r["flags"])
        rows.append([r["rank"] or "—", r["name"], r["town_name"], r["score_text"], LIGHT_LABELS[r["light"]], m["found"],
                     m["closed"], _pct(m["closure_rate"]), _pct(m["on_time_rate"]), m["overdue"], m["red"],
                     Paragraph(flags or "—", styles["small"])])
    story += [Paragraph("四、排名", styles["h"]),
              _table(rows, font, styles, col_widths=[10, 22, 20, 13, 11, 10, 10, 13, 13, 10, 10, 38])]

    story += [Paragraph("五、超期及红色督办问题清单", styles["h"])]
    story += [_problem_table(month, area_code, town, codes, font, styles)]
    story += [Paragraph("六、计分规则", styles["h"])]
    lines = [f"考核方案：{s['title']}（{s['source']}）" for s in result.schemes]
    for s in result.schemes:
        lines += s["rules"] if s["name"] != "standard" else assessment.formula_lines()
    story += [KeepTogether([Paragraph(line, styles["small"]) for line in lines + assessment.tie_rules()])]

    return a4_pdf(story, f"月度考核通报 {month:%Y-%m}",
                  footer=lambda page: f"{month:%Y-%m} 月度考核通报 · 第 {page} 页")


def _area_name(code):
    from geo.models import area_by_code

    area = area_by_code(code)
    return area.name if area else code


def _problem_table(month, area_code, town, codes, font, styles):
    _, day = month_end(month)
    area = scope.narrowest(area_code or scope.EVERYWHERE, town)
    visible = set(codes)
    names = dict(Village.objects.filter(code__in=visible).values_list("code", "name"))
    categories = dict(Category.objects.values_list("code", "name"))
    items = [s for s in states_at_month_end(month, area) if s.village_id in visible and s.status != "closed"
             and (s.red_supervision or (s.deadline and s.deadline < day))]
    items.sort(key=lambda s: (not s.red_supervision, s.deadline or day, s.id))
    if not items:
        return Paragraph("无", styles["p"])
    rows = [["编号", "类别", "行政村", "上报日期", "整改期限", "超期天数", "红色督办"]]
    for s in items:
        overdue = (day - s.deadline).days if s.deadline and s.deadline < day else 0
        rows.append([s.id, categories.get(s.category_id, s.category_id), names.get(s.village_id, s.village_id),
                     f"{s.reported_at:%Y-%m-%d}", s.deadline.isoformat() if s.deadline else "—", overdue,
                     "是" if s.red_supervision else ""])
    return _table(rows, font, styles)


def _table(rows, font, styles, col_widths=None):
    widths = [w * mm for w in col_widths] if col_widths else None
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table
