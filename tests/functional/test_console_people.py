"""The console's search and person pages: scope is decided in the services through the Actor.
Another district's person is 404 for every role, by URL and by search, exactly as no one at all;
an administrator reads no one (403); opening a record needs a purpose, which goes into the
person's access log; the record's timeline shows imports, ledger events and reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.audit.access import reads_of
from muster.kernel.actor import Actor, Role
from muster.registry.models import Person
from tests.conftest import person_row, snils, write_csv
from tests.functional.console_helpers import ROLES, signed_in

pytestmark = pytest.mark.django_db
READERS = [r for r in ROLES if r != "administrator"]


@pytest.fixture
def town(people):
    """Two people in RU-RYA (the officers' district), one in RU-MOW."""
    ours = people(2, "RU-RYA")
    theirs = people(1, "RU-MOW", start=10)
    return {"ours": Person.objects.get(national_id=ours[0]), "theirs": Person.objects.get(national_id=theirs[0])}


def _heading(response) -> str:
    text = response.content.decode()
    return text[text.index("<h1>"):text.index("</h1>")]


@pytest.mark.parametrize("role", ROLES)
def test_another_districts_person_is_not_found_by_url_for_every_role(town, role):
    client = signed_in("olga", role)
    theirs = town["theirs"].pk
    expected = 403 if role == "administrator" else 404
    assert client.get(f"/console/person/{theirs}/").status_code == expected
    response = client.post(f"/console/person/{theirs}/", {"purpose": "audit", "details": "case 1"})
    assert response.status_code == expected
    nobody = client.post("/console/person/99999999/", {"purpose": "audit"})
    assert nobody.status_code == expected and _heading(nobody) == _heading(response)  # no hint it exists
    assert reads_of(theirs) == []


@pytest.mark.parametrize("role", ROLES)
def test_another_districts_id_in_the_search_form_finds_no_one_as_an_unknown_id_does(town, role):
    client = signed_in("olga", role)
    theirs = client.post("/console/", {"national_id": town["theirs"].national_id})
    unknown = client.post("/console/", {"national_id": snils(999)})
    if role == "administrator":
        assert theirs.status_code == unknown.status_code == 403
        return
    assert theirs.status_code == unknown.status_code == 200
    for response in (theirs, unknown):
        assert "No one in your districts matches." in response.content.decode()
    ours = client.post("/console/", {"national_id": town["ours"].national_id})
    assert f"/console/person/{town['ours'].pk}/" in ours.content.decode()
    results = ours.content.decode().split('id="results"')[1]
    assert town["ours"].national_id not in results  # results show no national id


@pytest.mark.parametrize("role", READERS)
def test_opening_a_record_asks_the_purpose_and_logs_it_for_the_person(town, role):
    client = signed_in("olga", role)
    ours = town["ours"]
    page = client.get(f"/console/person/{ours.pk}/")
    assert page.status_code == 200 and "Why are you opening this record?" in page.content.decode()
    assert reads_of(ours.pk) == []  # asking is no read
    response = client.post(f"/console/person/{ours.pk}/", {"purpose": "application", "details": "A-000123"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert ours.family_name in text and "import" in text
    reads = reads_of(ours.pk)
    assert [r["purpose"] for r in reads] == ["application or appeal: A-000123"]
    assert reads[0]["who"] == "cli:olga"


def test_an_administrator_reads_no_one_in_any_district(town):
    client = signed_in("root", "administrator", districts=[])
    assert client.get(f"/console/person/{town['ours'].pk}/").status_code == 403
    assert client.post(f"/console/person/{town['ours'].pk}/", {"purpose": "audit"}).status_code == 403
    assert client.post("/console/", {"national_id": town["ours"].national_id}).status_code == 403
    assert reads_of(town["ours"].pk) == []


def test_an_auditor_of_every_district_reads_anyone_but_only_with_a_purpose(town):
    client = signed_in("audra", "auditor", districts=[])
    theirs = town["theirs"].pk
    for bad in ({}, {"purpose": "nonsense"}, {"purpose": "other"}, {"purpose": "other", "details": "   "}):
        assert client.post(f"/console/person/{theirs}/", bad).status_code == 400
    assert reads_of(theirs) == []
    assert client.post(f"/console/person/{theirs}/", {"purpose": "audit"}).status_code == 200
    assert [r["purpose"] for r in reads_of(theirs)] == ["audit"]


def test_the_timeline_shows_the_earlier_reads_with_their_purposes(town):
    client = signed_in("olga")
    ours = town["ours"].pk
    client.post(f"/console/person/{ours}/", {"purpose": "other", "details": "phone call from the person"})
    text = client.post(f"/console/person/{ours}/", {"purpose": "summons"}).content.decode()
    assert "other: phone call from the person" in text
    assert "summons or measure enquiry" in text


@pytest.mark.parametrize(("query", "field"), [
    ({"national_id": "1" * 10_000}, "national_id"),
    ({"national_id": "not an id"}, "national_id"),
    ({"family_name": "Я" * 10_000, "birth_date": "2000-01-01"}, "family_name"),
    ({"family_name": "Иванов", "birth_date": "01.01.2000"}, "birth_date"),
    ({"family_name": "Иванов"}, "national_id"),
])
def test_bad_searches_name_the_field(town, query, field):
    response = signed_in("olga").post("/console/", query)
    assert response.status_code == 400
    assert f'href="#{field}"' in response.content.decode()


def test_names_match_in_any_case_cyrillic_or_latin(tmp_path, ru, town):
    from muster.registry.importer import import_persons

    import_persons(write_csv(tmp_path / "latin.csv", [person_row(snils(50), family_name="McSmith", district="RU-RYA",
                                                                 birth_date="1999-02-03")]), ru)
    client = signed_in("olga")
    ours = town["ours"]
    for name in (ours.family_name.upper(), ours.family_name.lower(), f"  {ours.family_name.swapcase()} "):
        text = client.post("/console/", {"family_name": name, "birth_date": ours.birth_date.isoformat()}).content.decode()
        assert f"/console/person/{ours.pk}/" in text
    text = client.post("/console/", {"family_name": "MCSMITH", "birth_date": "1999-02-03"}).content.decode()
    assert "McSmith" in text
    theirs = town["theirs"]
    text = client.post("/console/", {"family_name": theirs.family_name,
                                    "birth_date": theirs.birth_date.isoformat()}).content.decode()
    assert f"/console/person/{theirs.pk}/" not in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(national_id=st.text(max_size=60), family_name=st.text(max_size=150),
       birth=st.one_of(st.none(), st.dates()))
def test_any_search_input_finds_within_the_districts_or_names_a_field(town, ru, national_id, family_name, birth):
    """Whatever is typed, the search answers with people of the officer's districts or a problem
    naming a field; never an error of its own, never someone of another district."""
    from muster.registry import services as registry

    actor = Actor.officer("cli:olga", Role.REGISTRATION_OFFICER, frozenset({"RU-RYA"}))
    try:
        found = registry.search_people(actor, ru, national_id=national_id, family_name=family_name, birth_date=birth)
    except registry.SearchProblem as exc:
        assert str(exc).split(":")[0] in ("national_id", "family_name", "birth_date")
    else:
        assert all(f.district == "RU-RYA" for f in found)
