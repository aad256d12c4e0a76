"""A logging filter that keeps national ids out of every log line.

Request paths carry them (`/api/v1/measures/<id>`, and anything a prober tries, such as
`/api/v1/persons/<id>/...`), and Django logs paths on every 4xx and 5xx ("Not Found: <path>") and
on every request of the development server. The filter rewrites each record's message, and
its traceback, before any handler formats it:
- every path segment after an API resource (`/api/v1/<resource>/<segment>/...`) becomes `***`;
- every run of 9 or more digits, alone or grouped as a SNILS is written (`112-233-445 95`),
  becomes `***` wherever it stands (the national id schemes of the packs are 9 and 11 digits);
- every query string's values become `***` (`/verify/?n=***&c=***`).
"""

from __future__ import annotations

import logging
import re

MASK = "***"
_API_SEGMENTS = re.compile(r"(/api/v\d+/[A-Za-z_-]+)((?:/[^/\s?\"']+)+)")
_ID_DIGITS = re.compile(r"(?<![\d])(?:\d{3}[- ]?\d{3}[- ]?\d{3}(?:[- ]?\d{2})?|\d{9,})(?![\d])")
_QUERY_VALUES = re.compile(r"(\?|&)([^=&\s\"'#]+)=[^&\s\"'#]*")


def mask(text: str) -> str:
    """`text` with national ids, API path segments and query values masked."""
    text = _ID_DIGITS.sub(MASK, text)
    text = _API_SEGMENTS.sub(lambda m: m.group(1) + f"/{MASK}" * m.group(2).count("/"), text)
    return _QUERY_VALUES.sub(lambda m: f"{m.group(1)}{m.group(2)}={MASK}", text)


class MaskPersonalData(logging.Filter):
    """Masks the record in place (message, arguments, traceback), so that every handler, and every
    logger the record propagates to, sees only the masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its bare format string, masked
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
