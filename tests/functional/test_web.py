"""The status page and the admin, over HTTP without a browser."""

import pytest

from muster.registry.importer import import_persons
from tests.conftest import person_row, snils, write_csv

pytestmark = pytest.mark.django_db


def test_status_page_shows_counts_only(client, tmp_path, ru):
    import_persons(write_csv(tmp_path / "p.csv", [person_row(snils(i)) for i in range(3)]), ru)
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<td class="n" id="persons">3</td>' in html
    assert "Иван" not in html and snils(1) not in html


def test_admin_requires_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
