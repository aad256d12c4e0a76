"""Casework's use cases, for every interface: file, show, list and withdraw applications
(muster.casework.applications), decide and confirm them (muster.casework.decisions, whose effects
are in muster.casework.effects), and work the queue (muster.casework.queue). Each takes an Actor.
"""

from __future__ import annotations

from muster.audit.access import AccessDenied
from muster.casework.applications import (
    ApplicationNotFound,
    BadNumber,
    CaseworkError,
    EvidenceInput,
    list_for_person,
    read_evidence,
    show,
    submit,
    withdraw,
)
from muster.casework.awaiting import request, resume
from muster.casework.decisions import confirm, decide
from muster.casework.evidence import MAX_BYTES as EVIDENCE_MAX_BYTES
from muster.casework.evidence import EvidenceStoreProblem
from muster.casework.queue import assign, queue
from muster.casework.stp import run as stp_run
from muster.registry.records import InvalidNationalId, PersonNotFound
from muster.summons.services import known_now

__all__ = ["EVIDENCE_MAX_BYTES", "AccessDenied", "ApplicationNotFound", "BadNumber", "CaseworkError", "EvidenceInput", "EvidenceStoreProblem",
           "InvalidNationalId", "PersonNotFound", "assign", "confirm", "decide", "known_now", "list_for_person",
           "queue", "read_evidence", "request", "resume", "show", "stp_run", "submit", "withdraw"]
