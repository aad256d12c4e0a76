"""The shapes the partner API reads and writes (they make its OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class Problem(Schema):
    """An RFC 9457 problem document: every 4xx answer has this shape."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


class FieldProblem(Schema):
    field: str
    reason: str


Problem.model_rebuild()


class ActiveMeasure(Schema):
    measure_id: int
    kind: str
    effective_from: date
    legal_basis: str
    summons_number: str


class MeasuresAnswer(Schema):
    national_id: str = Field(description="The id as asked, normalised by the registry's id scheme.")
    checked_on: date = Field(description="The local date the answer holds for.")
    measures: list[ActiveMeasure] = Field(
        description="Measures of the caller's kinds in force on checked_on (a suspended measure is not in "
                    "force). Empty for a person with none, "
                    "and equally for a national id the registry does not hold: Muster does not tell "
                    "partners who is registered.")


class FeedData(Schema):
    national_id: str
    kind: str
    measure_id: int
    summons_number: str | None = None
    effective_from: str | None = None
    lifted_on: str | None = None
    suspended_on: str | None = Field(None, description="measure.suspended: the first day it is not in force.")
    reinstated_on: str | None = Field(None, description="measure.reinstated: the day it is in force again.")
    legal_basis: str | None = None
    reason: str | None = None


class FeedEvent(Schema):
    seq: int = Field(description="This partner's sequence number: 1, 2, 3, ... with no gaps.")
    id: str = Field(description="The event id, the same in webhooks (drop repeats by it).")
    type: Literal["measure.applied", "measure.lifted", "measure.suspended", "measure.reinstated"] = Field(
        description="measure.applied: in force from effective_from; measure.suspended: not in force from "
                    "suspended_on (an appeal is heard); measure.reinstated: in force again from reinstated_on; "
                    "measure.lifted: ended for good on lifted_on.")
    occurred_at: datetime
    data: FeedData


class FeedPage(Schema):
    events: list[FeedEvent]
    next_after: int = Field(description="Pass as `after` to read on.")
    has_more: bool


class SubmissionIn(Schema):
    national_id: str = Field(min_length=1, max_length=40)
    kind: Literal["address", "contact", "death", "emigration"]
    observed_at: datetime | None = Field(
        None, description="When the agency observed this (default: now); not before 1900 nor after now plus "
                          "the allowed clock skew (else 422 naming observed_at). An observation never "
                          "overwrites one from a more trusted source, nor a newer one from an equally "
                          "trusted source.")
    data: dict[str, str | bool | None] = Field(
        description="address: address, postcode, district; contact: email, phone, electronic_account; "
                    "death: death_date; emigration: country, since.")


class SubmissionOut(Schema):
    """A submission taken (202): the same answer whether the registry holds the national id or not.
    What it changed, or that it waits for an officer's review, is not told to the partner."""

    submission_id: int
    status: Literal["accepted"]
