"""通报 (notice) documents of a month's bottom villages, in the usual official layout: the issuing office's red
header, the document number, the title, the body with the villages (score, flags, problems found), the
required follow-up and the issuing office with the date. As .docx (python-docx) and .pdf (reportlab, CJK font
embedded as in the monthly report)."""
import io

TABLE_HEAD = ["序号", "行政村", "街镇", "得分", "名次", "标记", "当月发现问题"]


def _cells(i, r):
    score = "—" if r["score"] is None else f"{r['score']:g}"
    return [str(i), r["name"], r.get("town_name", ""), score, str(r.get("rank") or "—"), r["flag_text"], r["problems"]]


def _intro(data):
    n = len(data["rows"])
    return (f"根据{data['month'].year}年{data['month'].month}月农村人居环境考核结果，现将排名靠后的"
            f"{n}个行政村予以通报。" if n else
            f"{data['month'].year}年{data['month'].month}月农村人居环境考核中，没有需要通报的行政村。")


def notice_docx(data):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "FangSong"
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")

    def para(text, size=14, bold=False, align=None, color=None, font="仿宋"):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        run.font.name = font
        run.element.rPr.rFonts.set(qn("w:eastAsia"), font)
        if color:
            run.font.color.rgb = RGBColor(*color)
        if align is not None:
            p.alignment = align
        return p

    para(data["office"], 22, True, WD_ALIGN_PARAGRAPH.CENTER, (0xC0, 0, 0), "宋体")
    para(data["number"], 14, False, WD_ALIGN_PARAGRAPH.CENTER)
    para("━" * 24, 12, False, WD_ALIGN_PARAGRAPH.CENTER, (0xC0, 0, 0))
    para(data["title"], 18, True, WD_ALIGN_PARAGRAPH.CENTER, None, "黑体")
    para("各镇（街道）、各村：")
    para("　　" + _intro(data))
    if data["rows"]:
        table = doc.add_table(rows=1, cols=len(TABLE_HEAD))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, TABLE_HEAD, strict=True):
            cell.text = text
        for i, r in enumerate(data["rows"], 1):
            for cell, text in zip(table.add_row().cells, _cells(i, r), strict=True):
                cell.text = text
    para("　　整改要求：")
    for i, line in enumerate(data["follow_up"], 1):
        para(f"　　{i}. {line}")
    para(data["office"], 14, False, WD_ALIGN_PARAGRAPH.RIGHT)
    para(f"{data['date'].year}年{data['date'].month}月{data['date'].day}日", 14, False, WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def notice_pdf(data):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, Spacer, Table, TableStyle

    from core.pdf import RED, a4_pdf, styles

    st = styles(12, leading=20, head=22)
    body, head, centre, title, right = st["p"], st["head"], st["centre"], st["title"], st["right"]
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    story = [Paragraph(data["office"], head), Paragraph(data["number"], centre),
             HRFlowable(width="100%", thickness=2, color=colors.HexColor(RED)), Spacer(1, 4 * mm),
             Paragraph(data["title"], title), Spacer(1, 3 * mm), Paragraph("各镇（街道）、各村：", body),
             Paragraph("　　" + _intro(data), body)]
    if data["rows"]:
        rows = [[Paragraph(t, cell) for t in TABLE_HEAD]] + [[Paragraph(t, cell) for t in _cells(i, r)]
                                                              for i, r in enumerate(data["rows"], 1)]
        table = Table(rows, colWidths=[10 * mm, 22 * mm, 22 * mm, 14 * mm, 12 * mm, 50 * mm, 40 * mm], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 2 * mm), table, Spacer(1, 2 * mm)]
    story.append(Paragraph("　　整改要求：", body))
    story += [Paragraph(f"　　{i}. {line}", body) for i, line in enumerate(data["follow_up"], 1)]
    story += [Spacer(1, 8 * mm), Paragraph(data["office"], right),
              Paragraph(f"{data['date'].year}年{data['date'].month}月{data['date'].day}日", right)]
    return a4_pdf(story, data["title"], margins_mm=(18, 18, 20, 18))
