"""The baseline for the measures check: a bare WSGI app answering from memory, no framework, no database."""

import json

BODY = json.dumps({"national_id": "10000000000", "checked_on": "2026-11-29", "measures": [
    {"measure_id": 1, "kind": "exit_ban", "effective_from": "2026-03-02", "summons_number": "00000-0001-98",
     "legal_basis": "Federal Law 53-FZ Art. 7.1 as amended by 127-FZ; 114-FZ Art. 15"}]}).encode()


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
