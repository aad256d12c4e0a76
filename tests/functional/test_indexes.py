"""No index that no query uses: PostgreSQL's "_like" pattern indexes are dropped from Muster's tables."""

from __future__ import annotations

import pytest
from django.db import connection

from muster.kernel.db import is_postgres

pytestmark = pytest.mark.django_db


def test_no_pattern_ops_index_on_muster_tables() -> None:
    if not is_postgres():
        pytest.skip("varchar_pattern_ops indexes exist on PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND indexdef LIKE '%%pattern_ops%%' AND tablename NOT LIKE 'auth\\_%%' "
                    "AND tablename NOT LIKE 'django\\_%%'")
        assert cur.fetchall() == []
