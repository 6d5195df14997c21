"""QR labels (一厕一码) as an A4 PDF sheet: each label has the QR of the absolute scan URL, code, kind, village."""
import io

import segno
from django.conf import settings
from django.urls import reverse
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.pdf import cjk_font

COLUMNS, ROWS = 3, 5
MARGIN = 8 * mm
QR_SIZE = 36 * mm


def scan_url(code, request=None):
    """The absolute /f/<code> URL printed on a label: FACILITY_PUBLIC_BASE_URL when set, else this host."""
    path = reverse("facilities:scan", args=[code])
    base = settings.FACILITIES["PUBLIC_BASE_URL"].rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path) if request is not None else path


def _draw_qr(c, data, x, y, size):
    """The QR drawn as vector squares (sharp at any print size), quiet zone included in `size`."""
    qr = segno.make(data, error="m", micro=False)
    matrix = list(qr.matrix_iter(scale=1, border=4))
    cell = size / len(matrix)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * cell
        run = None
        for col, dark in enumerate([*row, 0]):
            if dark and run is None:
                run = col
            elif not dark and run is not None:
                c.rect(x + run * cell, top, (col - run) * cell, cell, stroke=0, fill=1)
                run = None


def labels_pdf(facilities, request=None):
    """The PDF bytes; `facilities` are Facility rows with kind and village loaded."""
    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("设施二维码标签（一厕一码）")
    page_w, page_h = A4
    w = (page_w - 2 * MARGIN) / COLUMNS
    h = (page_h - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    facilities = list(facilities)
    for i, f in enumerate(facilities):
        if i and i % per_page == 0:
            c.showPage()
        slot = i % per_page
        x0 = MARGIN + (slot % COLUMNS) * w
        y0 = page_h - MARGIN - (slot // COLUMNS + 1) * h
        c.setStrokeColorRGB(0.7, 0.7, 0.7)
        c.setDash(2, 2)
        c.rect(x0, y0, w, h, stroke=1, fill=0)
        c.setDash()
        url = scan_url(f.code, request)
        _draw_qr(c, url, x0 + (w - QR_SIZE) / 2, y0 + h - QR_SIZE - 3 * mm, QR_SIZE)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(font, 11)
        c.drawCentredString(x0 + w / 2, y0 + 15 * mm, f.code)
        c.setFont(font, 9)
        c.drawCentredString(x0 + w / 2, y0 + 10 * mm, f"{f.kind.name} · {f.village.name}")
        c.drawCentredString(x0 + w / 2, y0 + 6 * mm, "扫码反映：满了要抽 · 坏了要修 · 不干净")
        c.setFont(font, 6)
        c.drawCentredString(x0 + w / 2, y0 + 2.5 * mm, url)
    if not facilities:
        c.setFont(font, 12)
        c.drawString(MARGIN, page_h - MARGIN - 12, "没有符合条件的设施")
    c.showPage()
    c.save()
    return buf.getvalue()
