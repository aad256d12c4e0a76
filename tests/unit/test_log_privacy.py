"""The log filter: no national id, API path segment or query value reaches a log line."""

import logging

import pytest

from muster.kernel.log_privacy import MaskPersonalData, mask


@pytest.mark.parametrize(
    ("line", "masked"),
    [("Not Found: /api/v1/persons/11223344595/summonses", "Not Found: /api/v1/persons/***/***"),
     ("Unauthorized: /api/v1/measures/112-233-445 95", "Unauthorized: /api/v1/measures/***"),
     ("Not Found: /api/v1/measures/abc%20def/", "Not Found: /api/v1/measures/***/"),
     ('"GET /verify/?n=00001-2345-67&c=ABCD HTTP/1.1" 200 12', '"GET /verify/?n=***&c=*** HTTP/1.1" 200 12'),
     ("person 112 233 445 95 and 123456789", "person *** and ***"),
     ("Not Found: /persons/11223344595", "Not Found: /persons/***"),
     # no personal data: left alone
     ("tick at 2026-03-10 09:00:00+03:00 took 123 ms", "tick at 2026-03-10 09:00:00+03:00 took 123 ms"),
     ("Not Found: /static/x.css", "Not Found: /static/x.css"),
     ("issued 49800 summonses", "issued 49800 summonses")],
)
def test_masking(line, masked):
    assert mask(line) == masked
    assert mask(masked) == masked  # masking twice (a logger's filter, then a handler's) changes nothing


def test_a_record_is_masked_in_place_with_its_arguments_and_traceback():
    try:
        raise ValueError("no person 11223344595")
    except ValueError:
        import sys
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "%s: %s", ("Not Found", "/api/v1/persons/11223344595"), sys.exc_info())
    assert MaskPersonalData().filter(record) is True
    text = logging.Formatter().format(record)
    assert "11223344595" not in text and "Not Found: /api/v1/persons/***" in text and "no person ***" in text
