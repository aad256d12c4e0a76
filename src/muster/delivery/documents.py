"""Plain documents for a person to keep: an extract of their record, the answers of an application
(issue 13). A title, then sections of lines, on A4 pages with the letters' TrueType font embedded
(settings MUSTER_LETTER_FONT, DejaVu Sans: Cyrillic prints as it reads), new pages as needed.

Behind the same port idea as muster.delivery.pdf: callers give words, this lays them out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from muster.delivery.pdf import FONT, ReportlabPrinter


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


def render(title: str, sections: Sequence[Section], *, subject: str = "") -> bytes:
    """The document as PDF bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    ReportlabPrinter(Path(settings.MUSTER_LETTER_FONT)).register_font()
    out = io.BytesIO()
    width, height = A4
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    pdf.setSubject(subject or title)
    bottom, left, text_width = 20 * mm, 20 * mm, width - 40 * mm
    y = height - 25 * mm

    def room(needed: float) -> float:
        nonlocal y
        if y - needed < bottom:
            pdf.showPage()
            y = height - 20 * mm
        return y

    pdf.setFont(FONT, 15)
    pdf.drawString(left, y, title)
    y -= 12 * mm
    for section in sections:
        room(14 * mm)
        pdf.setFont(FONT, 12)
        pdf.drawString(left, y, section.heading)
        y -= 7 * mm
        pdf.setFont(FONT, 9.5)
        for line in section.lines or ("—",):
            for part in simpleSplit(line, FONT, 9.5, text_width) or [""]:
                room(5 * mm)
                pdf.setFont(FONT, 9.5)
                pdf.drawString(left, y, part)
                y -= 4.8 * mm
        y -= 4 * mm
    pdf.showPage()
    pdf.save()
    return out.getvalue()
