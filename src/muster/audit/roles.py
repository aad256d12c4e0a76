"""The database's own guard of the audit tables (PostgreSQL): append-only for everyone.

- A statement trigger refuses every UPDATE and DELETE of the audit trail and the access log, for
  the application's role and for the tables' owner alike (installed by a migration);
- `muster init`, run by the owner, grants the application's role (MUSTER_APP_ROLE, `muster_app`)
  what the application needs on every table, but no UPDATE, DELETE or TRUNCATE on those tables.
Production connects as a login role that is a member of it (README, "Production").
A superuser can still switch the trigger off: the keyed chain and the signed checkpoints
(muster.audit.verification) are what show that."""

from __future__ import annotations

from typing import Any

from muster.audit.access_log import ACCESS_LOG, FEED_READS
from muster.kernel import db

APPEND_ONLY = ("audit_auditrecord", ACCESS_LOG, FEED_READS)

_FUNCTION = """
CREATE OR REPLACE FUNCTION muster_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'muster: % of % refused: audit rows are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$
"""


def install_triggers(cur: Any) -> None:
    """The append-only triggers (a no-op where the database has no triggers of this kind)."""
    if not db.features().roles:
        return
    cur.execute(_FUNCTION)
    for table in APPEND_ONLY:
        cur.execute(f"DROP TRIGGER IF EXISTS muster_append_only ON {table}")
        cur.execute(f"CREATE TRIGGER muster_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION muster_append_only()")


def grant_app_role(role: str) -> dict[str, Any]:
    """Create the application's role if this user may, and grant it what the application needs;
    what was done, or why not."""
    if not db.features().roles:
        return {"role": None, "skipped": "this database has no roles"}
    with db.cursor() as cur:
        cur.execute("SELECT rolsuper, rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        superuser, may_create = cur.fetchone()
        cur.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'audit_auditrecord'")
        owner = bool((cur.fetchone() or [False])[0])
        if not (superuser or owner):
            return {"role": role, "skipped": "not the tables' owner: run `muster init` as the owner to grant roles"}
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        created = False
        if cur.fetchone() is None:
            if not may_create:
                return {"role": role, "skipped": f"role {role} does not exist and this user may not create it"}
            try:
                cur.execute(f'CREATE ROLE "{role}" NOLOGIN')
                created = True
            except Exception as exc:  # noqa: BLE001 - another init made it meanwhile
                if "already exists" not in str(exc):
                    raise
        quoted = f'"{role}"'
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON ALL TABLES IN SCHEMA public "
                    f"TO {quoted}")
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        cur.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM {quoted}")
    return {"role": role, "created": created, "append_only": list(APPEND_ONLY)}
