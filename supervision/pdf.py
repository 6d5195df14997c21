"""The order in official layout (红头文件): red header and rule, number, addressee, problems with a photo each and
a small map of where they are, the new deadline and the requirements. A4, Chinese font as in the monthly report."""
import io

from django.utils import timezone
from reportlab.graphics.shapes import Circle, Drawing, Polygon, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Image, Paragraph, Spacer, Table, TableStyle

from core.pdf import a4_pdf, cjk_font, styles
from geo.models import area_by_code
from patrol.models import Photo

RED = colors.HexColor("#c00000")


def _map(order, issues, width=170 * mm, height=70 * mm):
    """The addressee's outline and the problems as numbered red dots, scaled to fit."""
    area = area_by_code(order.addressee_code)
    drawing = Drawing(width, height)
    if area is None:
        return drawing
    geom = area.boundary.simplify(0.0002, preserve_topology=True)
    x0, y0, x1, y1 = geom.extent
    pad = 4 * mm
    scale = min((width - 2 * pad) / max(x1 - x0, 1e-9), (height - 2 * pad) / max(y1 - y0, 1e-9))

    def xy(x, y):
        return pad + (x - x0) * scale, pad + (y - y0) * scale

    polygons = geom.coords if geom.geom_type == "MultiPolygon" else [geom.coords]
    for polygon in polygons:
        points = [c for p in polygon[0] for c in xy(*p)]
        drawing.add(Polygon(points, fillColor=colors.HexColor("#f4f4f4"), strokeColor=colors.grey, strokeWidth=0.6))
    font = cjk_font()
    for issue in issues:
        x, y = xy(issue.location.x, issue.location.y)
        drawing.add(Circle(x, y, 2.2 * mm, fillColor=RED, strokeColor=colors.white))
        drawing.add(String(x + 3 * mm, y - 1 * mm, f"#{issue.pk}", fontName=font, fontSize=7))
    return drawing


def _thumb(issue):
    photo = Photo.objects.filter(issue=issue).order_by("kind", "uploaded_at").first()  # after < before: newest state
    if photo is None:
        return "（无照片）"
    try:
        with photo.image.open("rb") as f:
            data = io.BytesIO(f.read())
        img = Image(data)
        ratio = img.imageHeight / max(img.imageWidth, 1)
        img.drawWidth, img.drawHeight = 30 * mm, 30 * mm * ratio
        return img
    except Exception:  # a missing or unreadable file must not stop the print
        return "（照片不可用）"


def order_pdf(order):
    font = cjk_font()
    st = styles(11, leading=17, head=26)
    style, small, head, centre = st["p"], st["small"], st["head"], st["centre"]
    issues = list(order.problems.select_related("category", "village").order_by("pk"))
    today = timezone.localdate()

    story = [
        Paragraph(f"{order.issuing_office or '区农村人居环境整治办'}", head),
        Paragraph("红色督办单", head),
        Spacer(1, 3 * mm),
        Paragraph(order.number, centre),
        HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=2 * mm, spaceAfter=5 * mm),
        Paragraph(f"<b>{order.addressee_name}</b>：", style),
        Spacer(1, 2 * mm),
        Paragraph(
            f"经查，你单位辖区内以下 {len(issues)} 个农村人居环境问题影响重大或久拖未决，现予红色督办。"
            f"请加强核查、限期整改{'、举一反三' if order.reflect else ''}，于 <b>{order.deadline:%Y年%m月%d日}</b> "
            "前将整改情况书面反馈。", style),
        Spacer(1, 3 * mm),
    ]
    if order.requirements:
        story += [Paragraph(f"<b>督办要求：</b>{order.requirements}", style), Spacer(1, 3 * mm)]
    if order.reflect:
        reflect = "<b>举一反三：</b>请同步排查同类问题，发现的问题按正常流程上报并整改，在反馈中列明。"
        story += [Paragraph(reflect, style), Spacer(1, 3 * mm)]
    rows = [["编号", "类别 / 位置", "描述与状态", "照片"]]
    for i in issues:
        overdue = i.deadline and i.deadline < today and i.status != "closed"
        rows.append([
            Paragraph(f"#{i.pk}", small),
            Paragraph(f"{i.category.name}<br/>{i.village.name}<br/>{i.location.y:.5f}, {i.location.x:.5f}", small),
            Paragraph(f"{i.description or '—'}<br/>状态：{i.get_status_display()}；原期限："
                      f"{i.deadline or '—'}{'（已超期）' if overdue else ''}", small),
            _thumb(i),
        ])
    table = Table(rows, colWidths=[16 * mm, 45 * mm, 75 * mm, 34 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, 0), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fbe5e5")),
    ]))
    story += [table, Spacer(1, 4 * mm), Paragraph("问题位置示意图", small), _map(order, issues),
              Spacer(1, 8 * mm)]
    issued = timezone.localtime(order.issued_at) if order.issued_at else None
    story += [Paragraph(f"{order.issuing_office or ''}　{issued:%Y年%m月%d日}" if issued else "", st["right"])]
    return a4_pdf(story, order.number, margins_mm=(20, 20, 18, 18), author=order.issuing_office)
