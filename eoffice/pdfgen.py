"""PDF output with Vietnamese text: the registered fonts and a plain text document."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

REGULAR = "SourceSans"
BOLD = "SourceSans-Bold"


def register_fonts() -> None:
    """A TrueType font with Vietnamese glyphs, from a Python package: no system font needed."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    from font_source_sans_pro import font_files_ttf

    pdfmetrics.registerFont(TTFont(REGULAR, font_files_ttf["SourceSansPro"]))
    pdfmetrics.registerFont(TTFont(BOLD, font_files_ttf["SourceSansProBold"]))


def escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_pdf(
    title: str, paragraphs: list[str] | tuple[str, ...] = (), *, page_per_paragraph: bool = False
) -> bytes:
    """An A4 document with a bold title and paragraphs (each on its own page if asked), text searchable."""
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=12, leading=16, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=BOLD, fontSize=14, leading=18, alignment=1, spaceAfter=10)
    buffer = io.BytesIO()
    page = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=20 * mm, title=title)
    story = [Paragraph(escape(title), heading), Spacer(1, 4 * mm)]
    for index, text in enumerate(paragraphs):
        if page_per_paragraph and index:
            story.append(PageBreak())
        story.append(Paragraph(escape(text), body))
    page.build(story)
    return buffer.getvalue()


def stamp_pdf(
    lines: list[str], size: tuple[float, float], *, border: float = 1, font_size: float = 9
) -> bytes:
    """A one-page PDF of exactly `size` points holding a few lines of text: a signature's appearance.

    ReportLab subsets the font quickly; pyHanko's own OpenType stamps cost more than the whole
    signature.
    """
    from reportlab.pdfgen import canvas

    register_fonts()
    buffer = io.BytesIO()
    width, height = size
    page = canvas.Canvas(buffer, pagesize=size, pageCompression=1)
    if border:
        page.setLineWidth(border)
        page.setStrokeColorRGB(0.75, 0.1, 0.1)
        page.rect(border / 2, border / 2, width - border, height - border)
    page.setFont(REGULAR, font_size)
    top = height - font_size - max(border, 2) - 1
    for index, line in enumerate(lines):
        page.drawString(max(border, 2) + 2, top - index * font_size * 1.25, line)
    page.showPage()
    page.save()
    return buffer.getvalue()
