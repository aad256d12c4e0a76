"""The port that prints letters: pages of words in, one PDF file out.

Letters (muster.delivery.letters) choose every word in the pack's language;
the printer only lays them out on A4, embeds the font and draws the QR code,
so the PDF library stays behind this port and could be swapped (or faked in
a test) without touching what a letter says. `letter_printer()` chooses the
implementation, as `email_port()` and `sms_port()` do for their channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

FONT = "MusterSans"


@dataclass(frozen=True)
class Page:
    """One letter, every line already in its language."""

    sender: str  # the office, at the top
    title: str
    recipient: tuple[str, ...]  # one line each
    paragraphs: tuple[str, ...]  # wrapped to the page's width
    qr_text: str  # what the QR code opens
    verify: str  # beside the QR code, wrapped
    tracking: str  # below it


class LetterPrinter(Protocol):
    def render(self, pages: Sequence[Page], pdf_path: Path) -> None:
        """Write the pages as one PDF, in order."""
        ...


@dataclass
class ReportlabPrinter:
    """reportlab, with a TrueType font embedded (subset) so any script prints as it reads."""

    font_path: Path

    def register_font(self) -> None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        if FONT not in pdfmetrics.getRegisteredFontNames():
            if not self.font_path.is_file():
                raise FileNotFoundError(
                    f"MUSTER_LETTER_FONT: no font file at {self.font_path} (Debian: fonts-dejavu-core)")
            pdfmetrics.registerFont(TTFont(FONT, str(self.font_path)))  # TrueType fonts are embedded (subset)

    def render(self, pages: Sequence[Page], pdf_path: Path) -> None:
        from reportlab import rl_config
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.lib.utils import simpleSplit
        from reportlab.pdfgen.canvas import Canvas

        rl_config.useA85 = 0  # binary (compressed) streams: smaller files, no ASCII85 pass
        self.register_font()
        width, height = A4
        pdf = Canvas(str(pdf_path), pagesize=A4, pageCompression=1)
        pdf.setTitle("Muster print batch")
        for page in pages:
            y = height - 25 * mm
            pdf.setFont(FONT, 10)
            pdf.drawString(20 * mm, y, page.sender)
            y -= 15 * mm
            pdf.setFont(FONT, 16)
            pdf.drawString(20 * mm, y, page.title)
            y -= 12 * mm
            pdf.setFont(FONT, 11)
            for line in page.recipient:
                pdf.drawString(20 * mm, y, line)
                y -= 6 * mm
            y -= 6 * mm
            for paragraph in page.paragraphs:
                for line in simpleSplit(paragraph, FONT, 11, width - 40 * mm):
                    pdf.drawString(20 * mm, y, line)
                    y -= 6 * mm
                y -= 3 * mm
            _draw_qr(pdf, page.qr_text, 20 * mm, 30 * mm, 40 * mm)
            pdf.setFont(FONT, 9)
            y = 62 * mm
            for line in [*simpleSplit(page.verify, FONT, 9, width - 85 * mm), page.tracking]:
                pdf.drawString(65 * mm, y, line)
                y -= 5 * mm
            pdf.showPage()
        pdf.save()


def _draw_qr(pdf: Any, text: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M, with its quiet zone) as filled rectangles, one per run of
    dark modules in a row: far faster than drawing each module as a shape."""
    import zxingcpp

    image = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=True)
    view = memoryview(image)  # type: ignore[arg-type]
    rows, cols = view.shape  # type: ignore[misc]
    pixels = view.tobytes()
    module = size / cols
    path = pdf.beginPath()
    for r in range(rows):
        row = pixels[r * cols:(r + 1) * cols]
        c = 0
        while c < cols:
            if row[c] == 0:
                start = c
                while c < cols and row[c] == 0:
                    c += 1
                path.rect(x + start * module, y + (rows - 1 - r) * module, (c - start) * module, module)
            else:
                c += 1
    pdf.saveState()
    pdf.setFillGray(0)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def letter_printer() -> LetterPrinter:
    return ReportlabPrinter(Path(settings.MUSTER_LETTER_FONT))
