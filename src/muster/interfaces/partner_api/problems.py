"""Every error the partner API gives is an RFC 9457 problem document naming the field at fault."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

log = logging.getLogger("muster.interfaces.partner_api")

UNAUTHORISED = ("a valid API key is required (Authorization: Bearer <key>); "
                "the key is missing, unknown or revoked")
OUT_OF_RANGE = "a date or time is out of range (it must lie between the years 1 and 9999 in UTC)"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          413: "Content too large", 422: "Invalid request", 429: "Too many requests", 500: "Internal error"}


def problem_document(status: int, title: str, detail: str, errors: list[tuple[str, str]] | None = None) -> bytes:
    doc: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                           "errors": [{"field": f, "reason": r} for f, r in (errors or [])]}
    return json.dumps(doc).encode()


def problem(status: int, title: str, detail: str, errors: list[tuple[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(problem_document(status, title, detail, errors), status=status,
                            content_type="application/problem+json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field(loc: list[Any]) -> str:
    # pydantic's location: ("body", "body", "data", "email") or ("query", "limit"), ("header", ...)
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == "body":
        parts = parts[2:] or ["body"]
    elif parts and parts[0] in ("query", "path", "header"):
        parts = parts[1:]
    if len(parts) == 3 and parts[0] == "data" and parts[2] in _UNION_MEMBERS:
        parts = parts[:2]  # data.days_employed.int: the value fits none of the types a field may take
    return ".".join(parts) or "body"


_UNION_MEMBERS = ("str", "bool", "int")


class ProblemAPI(NinjaAPI):
    """NinjaAPI whose errors are problem documents, and whose OpenAPI says so."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        handlers: list[tuple[type[Exception], Any]] = [
            (ValidationError, self._invalid), (AuthenticationError, self._unauthorised),
            (HttpError, self._http_error), (Http404, self._not_found), (OverflowError, self._out_of_range),
            (RequestDataTooBig, self._too_large), (Exception, self._crash)]
        for exc_class, handler in handlers:
            self.add_exception_handler(exc_class, handler)

    def _invalid(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        grouped: dict[str, list[str]] = {}
        for e in exc.errors:
            grouped.setdefault(_field(e.get("loc", [])), []).append(str(e.get("msg", "is invalid")))
        errors = [(f, "; ".join(dict.fromkeys(reasons))) for f, reasons in grouped.items()]
        detail = "; ".join(f"{f}: {r}" for f, r in errors) or "the request is invalid"
        return problem(422, TITLES[422], detail, errors)

    def _unauthorised(self, request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return self.unauthorised()

    def unauthorised(self) -> HttpResponse:
        return problem(401, TITLES[401], UNAUTHORISED, headers={"WWW-Authenticate": 'Bearer realm="muster"'})

    def _http_error(self, request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        detail = str(exc)
        if status == 400 and "parse" in detail:
            detail = "the body is not valid JSON"
        return problem(status, TITLES.get(status, "Error"), detail, [("body", detail)] if status == 400 else [])

    def _not_found(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, TITLES[404], "no such resource")

    def _out_of_range(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        # A date that parses but cannot be placed on the calendar (9999-12-31T23:59-05:00 in UTC).
        return problem(422, TITLES[422], OUT_OF_RANGE, [("body", OUT_OF_RANGE)])

    def _too_large(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(413, TITLES[413], "the request body is too large", [("body", "is too large")])

    def _crash(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("partner API error on %s", request.path.split("/measures/")[0])  # no national ids in logs
        return problem(500, TITLES[500], "an internal error; it has been logged")

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "content" in response:
                        response["content"] = {"application/problem+json": response["content"]["application/json"]}
        return schema
