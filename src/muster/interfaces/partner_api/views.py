"""The partner API, /api/v1/: thin views over the partners, measures and registry modules."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query
from ninja.security import HttpBearer

from muster.interfaces.partner_api.fastpath import key_id_of
from muster.interfaces.partner_api.problems import TITLES, ProblemAPI, problem
from muster.interfaces.partner_api.schemas import (
    FeedPage,
    MeasuresAnswer,
    Problem,
    SubmissionIn,
    SubmissionOut,
)
from muster.kernel.actor import Actor
from muster.measures import services as measures
from muster.partners import services as partners
from muster.rules.national_id import InvalidNationalId

PROBLEMS: dict[int, Any] = {400: Problem, 401: Problem, 422: Problem}
CHECK_PROBLEMS: dict[int, Any] = {**PROBLEMS, 403: Problem, 429: Problem}  # 403: a partner with no kinds


class PartnerKey(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return partners.authenticate(token)


api = ProblemAPI(
    title="Muster partner API", version="1", urls_namespace="api-v1", auth=PartnerKey(), docs_url=None,
    description="For partner agencies: check the measures a person is under (only the kinds you enforce), "
                "read them as an ordered feed, and submit data about people. Authenticate with the bearer "
                "key from `muster partner add`. Every check of a person is shown to that person.")


@api.get("/measures/{national_id}", response={200: MeasuresAnswer, **CHECK_PROBLEMS}, operation_id="get_measures",
         summary="The caller's kinds of measure in force for one person", auth=None,
         openapi_extra={"security": [{"PartnerKey": []}]})
def get_measures(request: HttpRequest, national_id: str) -> Any:
    # The API's hot path: authentication is part of the check's single statement (measures.check_with_key),
    # so the key is read here rather than by the router.
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip() if scheme.lower() == "bearer" else ""
    key_id = key_id_of(key)
    try:
        if key_id:
            measures.check_allowed(key_id)
        answer = measures.check_with_key(key, national_id, partners.authenticate)
    except measures.RateLimited as exc:
        return problem(429, TITLES[429], str(exc), headers={"Retry-After": exc.retry_after})
    except measures.Unauthorised:
        return api.unauthorised()
    except measures.NothingToCheck as exc:
        return problem(403, TITLES[403], str(exc))
    except InvalidNationalId as exc:
        return problem(400, "Invalid national id", str(exc), [("national_id", str(exc))])
    measures.check_answered(key_id, national_id, not answer["measures"])
    return HttpResponse(json.dumps(answer, cls=DjangoJSONEncoder), content_type="application/json")


@api.get("/events", response={200: FeedPage, **PROBLEMS}, operation_id="get_events",
         summary="The caller's feed of measure.applied, .suspended, .reinstated and .lifted, in order, "
                 "with no gaps")
def get_events(request: HttpRequest, after: int = Query(0, ge=0, le=2**62),
               limit: int = Query(100, ge=1, le=1000)) -> Any:
    caller: Actor = request.auth  # type: ignore[attr-defined]
    events, last, more = partners.feed_page(caller, after, limit)
    # Assembled here, not re-validated field by field: the feed is read in bulk (FeedPage documents
    # it, and the schemathesis test holds the two together).
    body = f'{{"events": {events}, "next_after": {last}, "has_more": {"true" if more else "false"}}}'
    return HttpResponse(body, content_type="application/json")


@api.post("/submissions", response={202: SubmissionOut, 403: Problem, **PROBLEMS}, operation_id="post_submission",
          summary="Submit data about a person (address, contact, death, emigration) or a register's facts "
                  "(enrolment, medical, employment), within the caller's grant")
def post_submission(request: HttpRequest, body: SubmissionIn,
                    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=200)
                    ) -> Any:
    caller: Actor = request.auth  # type: ignore[attr-defined]
    status, answer = partners.submit(caller, measures.default_pack(), body.national_id, body.kind, dict(body.data),
                                     body.observed_at, idempotency_key, request.body)
    kind = "application/problem+json" if status >= 400 else "application/json"
    return HttpResponse(json.dumps(answer), status=status, content_type=kind)


if settings.MUSTER_BENCH_ENDPOINT:
    BARE = {"national_id": "10000000000", "checked_on": "2026-11-29", "measures": [
        {"measure_id": 1, "kind": "exit_ban", "effective_from": "2026-03-02", "summons_number": "00000-0001-98",
         "legal_basis": "Federal Law 53-FZ Art. 7.1 as amended by 127-FZ; 114-FZ Art. 15"}]}

    @api.get("/_bare", auth=None, include_in_schema=False, response=MeasuresAnswer)
    def bare(request: HttpRequest) -> Any:
        """The benchmark's baseline on the same stack: a constant answer from memory, no database."""
        return BARE
