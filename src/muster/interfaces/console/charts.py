"""Server-side SVG bar charts: no CDN, no JavaScript. The chart is a picture of the data table
beside it (aria-hidden), so a screen reader reads the table instead; a hidden cell draws no bar."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
LABEL_WIDTH = 190
BAR_WIDTH = 300


def bars(cells: Mapping[str, int | None], labels: Mapping[str, str] | None = None) -> SafeString:
    """Horizontal bars, one per cell, scaled to the largest shown count."""
    labels = labels or {}
    largest = max((v for v in cells.values() if v), default=0) or 1
    height = BAR_HEIGHT * max(len(cells), 1) + 4
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + BAR_WIDTH + 60}" '
             f'height="{height}" aria-hidden="true" focusable="false">']
    for i, (key, value) in enumerate(cells.items()):
        y = i * BAR_HEIGHT + 2
        width = 0 if not value else max(1, round(BAR_WIDTH * value / largest))
        shown = "–" if value is None else str(value)
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(str(labels.get(key, key))[:40])}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}" fill="#1d70b8"/>'
                     f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 15}" font-size="13">{shown}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above, values are numbers
