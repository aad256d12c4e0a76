"""How the command line ends when something is wrong: click's usage errors, configuration errors,
a database that is not there or not initialised. Every one is a message (with --json also
{"error": ...} on stdout) and an exit status, never a traceback. Run as real processes."""

from __future__ import annotations

import json

import click
import pytest

from muster.interfaces.cli import main as cli_main
from tests.conftest import REPO, muster_process, snils

BAD_USAGE = [
    ["no-such-command", "--json"],
    ["person", "show", "--json"],                               # missing argument
    ["person", "show", snils(1), "--no-such-option", "--json"],  # unknown option
    ["person", "shows", "--json"],                              # unknown subcommand
    ["liable", "--on", "2025-02-30", "--json"],                 # bad value (a callback's BadParameter)
    ["liable", "--json"],                                       # missing required option
    ["campaign", "create", "--json"],
    ["campaign", "create", "--code", "C", "--purpose", "party", "--district", "RU-MOW:1",
     "--appear-from", "2026-03-10", "--appear-to", "2026-03-12", "--place", "x", "--json"],
    ["campaign", "create", "--code", "C", "--purpose", "call_up", "--district", "RU-MOW",
     "--appear-from", "2026-03-10", "--appear-to", "2026-03-12", "--place", "x", "--json"],
    ["tick", "--now", "yesterday", "--json"],
    ["generate", "persons", "--count", "-1", "--seed", "1", "--out", "x.csv", "--json"],
    ["import", "persons", "--json"],
    ["import", "persons", "p.csv", "--observed-at", "soon", "--json"],
    ["receipts", "import", "--json"],
    ["summons", "record", "123", "maybe", "--json"],
    ["summons", "hand", "--json"],
    ["partner", "add", "--json"],
    ["measures", "show", "--json"],
    ["webhooks", "replay", "--no-such-option", "--json"],
    ["policy", "show", "--json"],
    ["packs", "list", "--verbose", "--json"],
    ["user", "add", "--json"],
    ["audit", "verify", "--no-such-flag", "--json"],
    ["serve", "--port", "eighty", "--json"],
    ["worker", "--interval", "often", "--json"],
    ["demo", "--count", "-5", "--json"],
]


@pytest.mark.parametrize("args", BAD_USAGE, ids=lambda a: " ".join(a)[:60])
def test_usage_errors_with_json_are_json_on_stdout(args, tmp_path):
    result = muster_process(args, f"sqlite:///{tmp_path / 'none.sqlite3'}", cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert error and "Traceback" not in result.stderr
    assert error in result.stderr  # and on stderr, with the usage, as without --json


def test_a_usage_error_without_json_is_click_s_usual_message(tmp_path):
    result = muster_process(["person", "show"], f"sqlite:///{tmp_path / 'none.sqlite3'}", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "Usage: muster person show" in result.stderr and "Missing argument" in result.stderr


@pytest.mark.parametrize(("env", "names"), [
    ({"MUSTER_DATABASE_URL": "mysql://root@localhost/muster"}, "MUSTER_DATABASE_URL: unsupported scheme"),
    ({"MUSTER_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/"}, "MUSTER_DATABASE_URL: a postgresql URL needs"),
    ({"MUSTER_CLOCK_SKEW": "a while"}, "MUSTER_CLOCK_SKEW: expected a number of seconds"),
    ({"MUSTER_ENV": "staging"}, "MUSTER_ENV: expected development"),
])
@pytest.mark.parametrize("command", [["person", "show", snils(1)], ["packs", "list"], ["init"]])
def test_configuration_errors_name_the_variable(tmp_path, env, names, command):
    env = dict(env)
    url = env.pop("MUSTER_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    for as_json in (True, False):
        result = muster_process([*command, *(["--json"] if as_json else [])], url, cwd=tmp_path, env_extra=env)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and names in result.stderr
        if as_json:
            assert names in json.loads(result.stdout)["error"]


@pytest.mark.parametrize("url", ["sqlite:////no/such/folder/muster.sqlite3",
                                 "postgresql://postgres@127.0.0.1:1/muster"])
def test_a_database_that_cannot_be_opened_names_the_variable(tmp_path, url):
    result = muster_process(["packs", "list", "--json"], url, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["error"].startswith("cannot open the database named by MUSTER_DATABASE_URL")


@pytest.mark.parametrize("command", [
    ["person", "show", snils(1)], ["packs", "list"], ["campaign", "show", "C"], ["liable", "--on", "2026-01-01"],
    ["tick", "--now", "2026-01-01T09:00"], ["measures", "pending"], ["partner", "list"], ["audit", "verify"],
])
def test_a_database_not_initialised_says_run_muster_init(scratch_database_url, tmp_path, command):
    result = muster_process([*command, "--json"], scratch_database_url, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout) == {"error": cli_main.NOT_INITIALISED}
    plain = muster_process(command, scratch_database_url, cwd=tmp_path)
    assert plain.returncode == 1 and "run `muster init`" in plain.stderr and "Traceback" not in plain.stderr


def test_every_command_is_found_in_the_module_the_table_names():
    """COMMAND_MODULES loads only the module of the command asked for: it must name them all."""
    import importlib

    registered = {}
    for module_name in set(cli_main.COMMAND_MODULES.values()) | {"packs", "registry", "notices", "partners", "server"}:
        group = click.Group()
        importlib.import_module(f"muster.interfaces.cli.{module_name}").register(group)
        registered.update(dict.fromkeys(group.commands, module_name))
    assert registered == cli_main.COMMAND_MODULES


def test_a_point_command_imports_only_its_own_module(tmp_path):
    """`muster policy check` loads the packs commands and nothing heavy (and, needing no database,
    works without one: it used to fail with Django's "settings are not configured")."""
    import subprocess
    import sys

    code = ("import sys\nfrom muster.interfaces.cli.main import cli\n"
            "cli.main(['policy', 'check', sys.argv[1]], standalone_mode=False)\n"
            "print(sorted(m for m in sys.modules if m.startswith(('muster.interfaces.cli.', 'pyarrow', "
            "'reportlab', 'gunicorn', 'rich', 'django.contrib.admin'))))")
    pack = REPO / "src" / "muster" / "packs" / "ru" / "pack.toml"
    out = subprocess.run([sys.executable, "-c", code, str(pack)], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    loaded = eval(out.stdout.strip().splitlines()[-1])  # noqa: S307 - our own printed list
    assert loaded == ["muster.interfaces.cli.main", "muster.interfaces.cli.output", "muster.interfaces.cli.packs"]
