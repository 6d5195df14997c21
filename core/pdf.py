"""PDF basics every printable document shares: a font that writes Chinese, the paragraph styles, an A4 page with
a footer, a grid table style, and the response that opens the PDF in the browser.

Chinese text uses an embedded TrueType CJK font (Debian fonts-wqy-microhei; PDF_FONT to choose another), or
reportlab's built-in STSong CID font if none can be read. reportlab is imported where a PDF is made.
"""
import io
import os
from functools import lru_cache

from django.conf import settings

from .downloads import download

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]
AUTHOR = "农村人居环境巡查"
RED = "#c00000"  # the red of official headers (红头文件)


def _configured_font():
    return os.environ.get("PDF_FONT") or getattr(settings, "PDF_FONT", "")


def font_path():
    """The CJK font file in use (for matplotlib labels too), or None."""
    return next((p for p in [_configured_font(), *FONT_CANDIDATES] if p and os.path.exists(p)), None)


@lru_cache(maxsize=1)
def cjk_font():
    """The name of a registered font that can write Chinese."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in [_configured_font(), *FONT_CANDIDATES]:
        if path and os.path.exists(path):
            try:
                pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
                return "CJK"
            except Exception:  # a font reportlab cannot read (e.g. CFF outlines): try the next
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def styles(size=9, leading=None, head=22):
    """Paragraph styles in the CJK font: title, h (section head), p (body text of `size` points), small, and for
    official documents head (the red header of `head` points), centre, right."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    p = ParagraphStyle("p", fontName=cjk_font(), fontSize=size, leading=leading or size + 4, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=p, fontSize=16, leading=max(22, p.leading), alignment=TA_CENTER,
                                spaceAfter=4),
        "h": ParagraphStyle("h", parent=p, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4),
        "p": p,
        "small": ParagraphStyle("small", parent=p, fontSize=size - 1.5, leading=size + 1),
        "head": ParagraphStyle("head", parent=p, fontSize=head, leading=head + 8, alignment=TA_CENTER,
                               textColor=colors.HexColor(RED)),
        "centre": ParagraphStyle("centre", parent=p, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=p, alignment=TA_RIGHT),
    }


def grid_style(size=8.5, header="#e8eef5"):
    """A table with a thin grid and a tinted header row, in the CJK font."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle([("FONTNAME", (0, 0), (-1, -1), cjk_font()), ("FONTSIZE", (0, 0), (-1, -1), size),
                       ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(header))])


def a4_pdf(story, title, margin_mm=12, author=AUTHOR, footer=None, margins_mm=None):
    """PDF bytes of a story on A4 pages. `footer(page_number)` → text printed bottom right on every page;
    `margins_mm` = (left, right, top, bottom) overrides the even `margin_mm`."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    left, right, top, bottom = margins_mm or (margin_mm,) * 4
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=left * mm, rightMargin=right * mm, topMargin=top * mm,
                            bottomMargin=bottom * mm, title=title, author=author)
    if footer is None:
        doc.build(story)
    else:
        def draw(canvas, doc_):
            canvas.setFont(cjk_font(), 8)
            canvas.drawRightString(A4[0] - right * mm, 7 * mm, footer(doc_.page))

        doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return buf.getvalue()


def pdf_response(content, filename, inline=True):
    """A PDF opened in the browser (inline), or saved."""
    return download(content, "application/pdf", filename, inline=inline)
