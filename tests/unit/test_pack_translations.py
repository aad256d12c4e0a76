"""A pack's shown texts in its languages: packs/<code>/i18n/<language>.toml, checked by the loader
(file, key, problem), outside the versioned policy files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from muster.policy.files import (
    builtin_packs_dir,
    find_builtin_pack,
    read_pack_dir,
    read_translations,
)
from muster.rules.pack_texts import shown_texts
from muster.rules.toml_reader import PolicyError

RU_DIR = builtin_packs_dir() / "ru"
RU = find_builtin_pack("ru")


def _copy_ru(tmp_path: Path) -> Path:
    target = tmp_path / "ru"
    shutil.copytree(RU_DIR, target)
    return target


def test_every_shown_text_of_the_ru_pack_has_russian():
    russian = read_translations(RU_DIR, RU)["ru"]
    for where, text in shown_texts(RU):
        assert russian[text].strip(), where
    assert russian["court"] == "суд"
    assert russian["regional draft commission"] == "призывная комиссия субъекта РФ"


def test_a_pack_in_english_only_needs_no_translations():
    directory = builtin_packs_dir() / "registration-only"
    assert read_translations(directory, find_builtin_pack("registration-only")) == {}


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('"court" = "суд"\n', "", "texts.'court'", "no ru translation of ru-2023-04-14 appeals[2].body"),
        ('"court" = "суд"', '"court" = ""', "texts.'court'", "must be a non-empty string"),
        ('"court" = "суд"', '"court" = "суд"\n"tribunal" = "трибунал"', "texts.'tribunal'", "is not a text of the pack"),
        ("[texts]", "[words]", "texts", "must be a table"),
    ],
)
def test_bad_translations_are_refused_naming_file_and_key(tmp_path, old, new, key, problem):
    pack = _copy_ru(tmp_path)
    path = pack / "i18n" / "ru.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(PolicyError) as exc:
        read_pack_dir(pack)
    found = [p for p in exc.value.problems if p.key == key]
    assert found and found[0].file == "ru/i18n/ru.toml", exc.value.problems
    assert problem in found[0].message


def test_a_missing_translations_file_is_refused(tmp_path):
    pack = _copy_ru(tmp_path)
    (pack / "i18n" / "ru.toml").unlink()
    with pytest.raises(PolicyError) as exc:
        read_pack_dir(pack)
    assert [(p.file, p.message) for p in exc.value.problems] == [("ru/i18n/ru.toml", "file not found")]
