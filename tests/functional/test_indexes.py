"""No index that no query uses: PostgreSQL's "_like" pattern indexes are dropped from Muster's tables."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from muster.kernel.db import is_postgres

pytestmark = pytest.mark.django_db


def test_no_pattern_ops_index_on_muster_tables() -> None:
    if not is_postgres():
        pytest.skip("varchar_pattern_ops indexes exist on PostgreSQL only")
    ours = sorted({m._meta.db_table for m in apps.get_models() if m.__module__.startswith("muster.")})
    assert "registry_person" in ours
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND indexdef LIKE '%%pattern_ops%%' AND tablename = ANY(%s)", [ours])
        assert cur.fetchall() == []
