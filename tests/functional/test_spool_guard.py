"""Issue 11 D (spool): the spool directory is Muster's alone, and replay loads only files a Muster
process wrote (each line carries an HMAC under the audit key)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from muster.audit.spool import ReadLog, SpoolProblem, check_directory, read_spool, replay

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("mode", "ok"), [(0o700, True), (0o750, True), (0o777, False), (0o770, False),
                                          (0o720, False), (0o705, False), (0o704, False)])
def test_the_spool_directory_mode_is_checked(tmp_path, mode, ok):
    where = tmp_path / "spool"
    where.mkdir()
    where.chmod(mode)
    if ok:
        check_directory(where)
    else:
        with pytest.raises(SpoolProblem, match=f"mode {mode:04o} lets group or others in"):
            check_directory(where)
        with pytest.raises(SpoolProblem):
            ReadLog(lambda: None, where)  # type: ignore[arg-type, return-value]
        assert oct(where.stat().st_mode & 0o777) == oct(mode)  # left as it was, and refused


def test_a_missing_spool_directory_is_made_private(tmp_path):
    check_directory(tmp_path / "new" / "spool")
    assert (tmp_path / "new" / "spool").stat().st_mode & 0o777 == 0o700


def test_a_spool_directory_of_another_user_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give the directory away")
    where = tmp_path / "spool"
    where.mkdir(mode=0o700)
    os.chown(where, 12345, -1)
    with pytest.raises(SpoolProblem, match="owned by uid 12345"):
        check_directory(where)


def test_serve_and_worker_refuse_to_start_on_an_open_spool_directory(cli_run, tmp_path, settings, monkeypatch):
    from muster.interfaces.cli import server

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server started")

    monkeypatch.setattr(server, "run_server", started)
    settings.MUSTER_SPOOL_DIR = tmp_path / "spool"
    settings.MUSTER_SPOOL_DIR.mkdir()
    settings.MUSTER_SPOOL_DIR.chmod(0o777)
    for command in (["serve"], ["worker", "--iterations", "1"]):
        result = cli_run(*command)
        assert result.exit_code == 2, (command, result.output)
        assert "refusing to start: MUSTER_SPOOL_DIR" in result.output and "mode 0777" in result.output
    settings.MUSTER_SPOOL_DIR.chmod(0o700)
    assert cli_run("worker", "--iterations", "1").exit_code == 0


def _spooled(where: Path, key: bytes | None = None) -> Path:
    log = ReadLog(lambda: None, where, key=key)  # type: ignore[arg-type, return-value]
    log.record(AT, "Border", "measures check (exit_ban)", "10000000009")
    log.record(AT, "Border", "measures check (exit_ban)", "10000000110")
    os.close(log._owner_lock)  # the process "dies": its lock can be taken
    (path,) = where.glob("*.spool")
    return path


def test_a_spool_file_reads_back_only_under_its_key(tmp_path):
    path = _spooled(tmp_path / "spool")
    assert [r[3] for r in read_spool(path)] == ["10000000009", "10000000110"]
    with pytest.raises(SpoolProblem, match="line 1 was not written by Muster"):
        read_spool(path, key=b"another key, another installation")


@pytest.mark.parametrize("how", ["edited", "foreign", "renamed"])
def test_replay_sets_aside_a_file_muster_did_not_write(tmp_path, how):
    where = tmp_path / "spool"
    path = _spooled(where, key=b"a key Muster does not have" if how == "foreign" else None)
    if how == "edited":
        path.write_bytes(path.read_bytes().replace(b"10000000110", b"10000000211"))
    if how == "renamed":  # a genuine file passed off as another process's
        owner = "f" * 32
        (where / f"{owner}.lock").touch()
        path = path.rename(where / f"{owner}-{1:012d}.spool")
    rejected: list[str] = []

    def connect() -> None:
        raise AssertionError("nothing should be loaded")

    assert replay(connect, where, rejected=rejected) == 0  # type: ignore[arg-type]
    assert rejected == [path.name]
    assert (where / f"{path.name}.rejected").exists() and not path.exists()


def test_audit_verify_reports_a_spool_file_set_aside(cli_run, tmp_path, settings):
    settings.MUSTER_SPOOL_DIR = tmp_path / "spool"
    path = _spooled(settings.MUSTER_SPOOL_DIR, key=b"a key Muster does not have")
    replay(lambda: None, settings.MUSTER_SPOOL_DIR)  # type: ignore[arg-type, return-value]
    result = cli_run("audit", "verify")
    assert result.exit_code == 2 and "spool files set aside as not written by Muster" in result.output
    assert path.name in result.output
