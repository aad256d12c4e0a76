"""Packs and policy files: the shipped packs load, and every kind of bad file is refused whole."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from muster.policy.files import builtin_packs_dir, check_file, find_builtin_pack, read_pack_dir
from muster.rules.policy import version_in_force
from muster.rules.toml_reader import PolicyError

RU_DIR = builtin_packs_dir() / "ru"
VERSION_2024 = (RU_DIR / "policies" / "2024-01-01.toml").read_text(encoding="utf-8")
EXIT_BAN_BASIS = next(line for line in VERSION_2024.splitlines() if line.startswith('legal_basis = "Federal Law 53-FZ Art. 7.1'))


def test_ru_pack_has_four_versions_and_all_federal_subjects():
    pack = find_builtin_pack("ru")
    assert [v.effective_from for v in pack.versions] == [
        date(2023, 4, 14), date(2023, 8, 4), date(2024, 1, 1), date(2026, 1, 1)]
    assert len(pack.districts) == 83
    assert {"RU-MOW", "RU-SPE", "RU-RYA"} <= pack.district_codes()
    assert all(d.code.startswith("RU-") for d in pack.districts)
    assert pack.time_zone == "Europe/Moscow"


def test_ru_versions_encode_spec_section_4():
    v = {x.effective_from.isoformat(): x for x in find_builtin_pack("ru").versions}
    exit_ban = lambda version: next(m for m in version.measures if m.kind == "exit_ban")  # noqa: E731
    assert exit_ban(v["2023-04-14"]).trigger == "served"
    assert exit_ban(v["2023-08-04"]).trigger == "placement"
    assert v["2023-08-04"].eligibility.max_age == 27
    assert v["2024-01-01"].eligibility.max_age == 30
    assert v["2024-01-01"].eligibility.transitional[0].before == date(2024, 1, 1)
    assert v["2026-01-01"].campaigns.max_days_after_placement == 30
    assert v["2026-01-01"].campaigns.call_up_all_year is True
    for version in v.values():
        assert version.summons.deemed_served_after_days == 7
        assert version.summons.grace_days == 20
        kinds = {m.kind: m.trigger for m in version.measures}
        assert set(kinds) == {"exit_ban", "sole_proprietor_ban", "self_employed_ban", "real_estate_ban",
                              "vehicle_registration_ban", "driving_ban", "credit_ban"}
        assert all(t == "missed" for k, t in kinds.items() if k != "exit_ban")


def test_registration_only_pack():
    pack = find_builtin_pack("registration-only")
    (version,) = pack.versions
    assert version.summons is None and version.measures == ()
    assert version.registration.register_within_days == 30
    assert (version.eligibility.min_age, version.eligibility.max_age) == (18, 26)


@pytest.mark.parametrize(
    ("on", "code"),
    [
        (date(2023, 4, 13), None),
        (date(2023, 4, 14), "ru-2023-04-14"),
        (date(2023, 8, 3), "ru-2023-04-14"),
        (date(2023, 8, 4), "ru-2023-08-04"),
        (date(2023, 12, 31), "ru-2023-08-04"),
        (date(2024, 1, 1), "ru-2024-01-01"),
        (date(2025, 12, 31), "ru-2024-01-01"),
        (date(2026, 1, 1), "ru-2026-01-01"),
        (date(2030, 6, 1), "ru-2026-01-01"),
    ],
)
def test_version_in_force(on, code):
    version = version_in_force(find_builtin_pack("ru").versions, on)
    assert (version.code if version else None) == code


def _problems(path: Path) -> str:
    with pytest.raises(PolicyError) as info:
        check_file(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("grace_days = 20", "grace_days = 20\ngrace_dayz = 3", "key 'summons.grace_dayz': unknown key"),
        ("min_age = 18", "", "key 'eligibility.min_age': is missing"),
        ("max_age = 30", 'max_age = "30"', "key 'eligibility.max_age': expected an integer, got a string '30'"),
        ("effective_from = 2024-01-01", 'effective_from = "2024-01-01"', "key 'version.effective_from': expected a date"),
        ('trigger = "placement"', 'trigger = "whenever"', "key 'measures[0].trigger': must be one of placement, served, missed"),
        ("officer_signoff = false", "officer_signoff = 0", "expected a boolean"),
        ('sexes = ["M"]', 'sexes = ["X"]', "key 'eligibility.sexes[0]': must be one of M, F"),
        ("max_age = 30", "max_age = 10", "key 'eligibility.max_age': must be greater than min_age"),
        ("[version]", "[version]\n[version.extra]", "unknown key"),
        ("grace_days = 20", "grace_days = -1", "must be at least 0"),
        (EXIT_BAN_BASIS, 'legal_basis = "  "', "key 'measures[0].legal_basis': must say what law the measure rests on"),
        (EXIT_BAN_BASIS, 'legal_basis = "' + "z" * 1001 + '"',
         "key 'measures[0].legal_basis': at most 1,000 characters (a citation of the law), got 1,001"),
        (EXIT_BAN_BASIS, "legal_basis = 7", "key 'measures[0].legal_basis': expected a string"),
    ],
)
def test_bad_version_file_is_refused_with_file_and_key(tmp_path, old, new, expected):
    assert old in VERSION_2024
    path = tmp_path / "bad.toml"
    path.write_text(VERSION_2024.replace(old, new, 1), encoding="utf-8")
    message = _problems(path)
    assert str(path) in message
    assert expected in message


def test_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[version]\ncode = \"x\"\neffective_from = 2024-13-01\n", encoding="utf-8")
    message = _problems(path)
    assert "broken.toml" in message and "line 3" in message


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "bad.toml"
    text = VERSION_2024.replace("min_age = 18", "").replace("grace_days = 20", "grace_days = true")
    path.write_text(text, encoding="utf-8")
    message = _problems(path)
    assert "eligibility.min_age" in message and "summons.grace_days" in message


def _copy_ru(tmp_path: Path) -> Path:
    target = tmp_path / "ru"
    shutil.copytree(RU_DIR, target)
    return target


def test_overlapping_versions_are_refused(tmp_path):
    pack = _copy_ru(tmp_path)
    f = pack / "policies" / "2023-08-04.toml"
    f.write_text(f.read_text(encoding="utf-8").replace("effective_from = 2023-08-04",
                                                       "effective_from = 2023-04-14"), encoding="utf-8")
    message = _problems(pack / "pack.toml")
    assert "ru/policies/2023-08-04.toml: key 'version.effective_from': overlaps" in message


def test_versions_going_backwards_are_refused(tmp_path):
    pack = _copy_ru(tmp_path)
    f = pack / "policies" / "2024-01-01.toml"
    f.write_text(f.read_text(encoding="utf-8").replace("effective_from = 2024-01-01",
                                                       "effective_from = 2023-01-01"), encoding="utf-8")
    message = _problems(pack)
    assert "goes backwards" in message and "2024-01-01.toml" in message


def test_effective_until_overlapping_the_next_version_is_refused(tmp_path):
    pack = _copy_ru(tmp_path)
    f = pack / "policies" / "2023-04-14.toml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        "effective_from = 2023-04-14", "effective_from = 2023-04-14\neffective_until = 2023-09-01"),
        encoding="utf-8")
    assert "key 'version.effective_until': overlaps" in _problems(pack)


def test_unknown_key_in_pack_file(tmp_path):
    pack = _copy_ru(tmp_path)
    f = pack / "pack.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('time_zone = "Europe/Moscow"',
                                                       'time_zone = "Europe/Moscow"\ntimezone = "UTC"'),
                 encoding="utf-8")
    assert "ru/pack.toml: key 'pack.timezone': unknown key" in _problems(pack)


def test_missing_version_file(tmp_path):
    pack = _copy_ru(tmp_path)
    (pack / "policies" / "2026-01-01.toml").unlink()
    assert "ru/policies/2026-01-01.toml: file not found" in _problems(pack)


def test_duplicate_district(tmp_path):
    pack = _copy_ru(tmp_path)
    f = pack / "pack.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('code = "RU-AL"', 'code = "RU-AD"'), encoding="utf-8")
    assert "key 'districts[1].code': duplicate district code 'RU-AD'" in _problems(pack)


def test_read_pack_dir_returns_sources_for_storage():
    pack, source = read_pack_dir(RU_DIR)
    assert pack.code == "ru" and len(source.versions) == 4 and len(source.digest) == 64


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe", "../etc/passwd", "europe/moscow "])
def test_an_unknown_time_zone_is_refused_with_file_and_key(tmp_path, zone):
    pack = _copy_ru(tmp_path)
    f = pack / "pack.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('time_zone = "Europe/Moscow"', f'time_zone = "{zone}"'),
                 encoding="utf-8")
    assert f"ru/pack.toml: key 'pack.time_zone': {zone!r} is not a time zone" in _problems(pack)


def test_a_missing_policy_file_is_reported_with_every_problem_of_the_pack(tmp_path):
    pack = _copy_ru(tmp_path)
    f = pack / "pack.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('time_zone = "Europe/Moscow"', 'time_zone = "Mars/Olympus"')
                 .replace('country = "RU"', 'country = "Russia"'), encoding="utf-8")
    (pack / "policies" / "2026-01-01.toml").unlink()
    v = pack / "policies" / "2024-01-01.toml"
    v.write_text(v.read_text(encoding="utf-8").replace("grace_days = 20", "grace_days = true"), encoding="utf-8")
    message = _problems(pack)
    assert "ru/pack.toml: key 'pack.time_zone': 'Mars/Olympus' is not a time zone" in message
    assert "ru/pack.toml: key 'pack.country': must be an ISO 3166-1 alpha-2 code" in message
    assert "ru/policies/2026-01-01.toml: file not found" in message
    assert "ru/policies/2024-01-01.toml: key 'summons.grace_days'" in message
