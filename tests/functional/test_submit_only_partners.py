"""A partner that only submits (an education register) enforces no measure kinds (data
minimisation, SPEC 2): `partner add NAME --submit enrolment` with no --kinds; its checks are
refused with a 403 problem document on the Django view, the WSGI fast path and (PostgreSQL) the
in-memory replica, and no read of anyone is logged. A partner with neither kinds nor a grant is
refused at `partner add`."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from muster.audit.models import PartnerRead
from muster.kernel.actor import Actor
from muster.measures import checks
from muster.partners import keys
from muster.partners.models import Partner
from tests.functional.test_fastpath import call, keep_the_test_connection  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
ADMIN = Actor.officer("t")


def test_partner_add_takes_a_register_with_no_kinds_and_refuses_one_with_nothing_to_do(packs, cli_run):
    added = cli_run("partner", "add", "Education", "--submit", "enrolment", "--json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.stdout)
    assert (data["kinds"], data["submit"]) == ([], ["enrolment"]) and data["api_key"]
    text = cli_run("partner", "add", "Medical", "--submit", "medical")
    assert text.exit_code == 0 and "enforces no measure kinds; may submit medical" in text.output
    idle = cli_run("partner", "add", "Idle", "--json")
    assert idle.exit_code != 0
    assert "--kinds" in idle.output and "--submit" in idle.output
    assert not Partner.objects.filter(name="Idle").exists()
    with pytest.raises(keys.PartnerError, match="--kinds"):
        keys.add("Idle", [], "", actor=ADMIN, submit=[])


def test_its_check_is_refused_on_the_view_and_the_fast_path_and_reads_nobody(world):
    key = keys.add("Education", [], "", actor=ADMIN, submit=["enrolment"])["api_key"]
    nid = world["ids"][0]
    # the fast path first: Django's test client reconnects the signal that would close its connection
    status, headers, body, reached_django = call(f"/api/v1/measures/{nid}", key)
    assert (status, reached_django) == (403, 0)
    with pytest.raises(checks.NothingToCheck):
        checks.check(key, nid, keys.authenticate)
    via_view = Client().get(f"/api/v1/measures/{nid}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert via_view.status_code == 403 and via_view["Content-Type"] == "application/problem+json"
    problem = via_view.json()
    assert problem["status"] == 403 and "enforces no measure kinds" in problem["detail"]
    assert headers["Content-Type"] == "application/problem+json" and json.loads(body) == problem
    assert not PartnerRead.objects.exists()
    # its submissions still go through
    answer = Client().post("/api/v1/submissions", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
                           HTTP_IDEMPOTENCY_KEY="k1", data=json.dumps({
                               "national_id": nid, "kind": "enrolment",
                               "data": {"institution": "МГУ", "programme": "Физика", "level": "bachelor",
                                        "full_time": True, "started_on": "2025-09-01", "expected_end": "2029-06-30",
                                        "status": "enrolled"}}))
    assert answer.status_code == 202, answer.content
    # a bad id is still a 400, and a bad key a 401, as for anyone
    assert Client().get("/api/v1/measures/1", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 400
    assert Client().get(f"/api/v1/measures/{nid}", HTTP_AUTHORIZATION="Bearer mst_nope_nope").status_code == 401


def test_the_openapi_document_lists_the_403_of_a_check(packs):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "403" in schema["paths"]["/api/v1/measures/{national_id}"]["get"]["responses"]
