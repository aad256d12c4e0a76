"""A pack's texts that people read (legal bases and references, names of grounds, appeal bodies,
transitional explanations), and the check that a translations file gives each of them in a pack language.

The policy files are written in English; a pack's folder holds i18n/<language>.toml with a table
`[texts]` from each English text to its translation. That file lives outside the versioned policy
files, so translating (or correcting a translation) never changes an installed policy version."""

from __future__ import annotations

from typing import Any

from muster.rules.policy import Pack
from muster.rules.toml_reader import Problem

SOURCE_LANGUAGE = "en"


def shown_texts(pack: Pack) -> list[tuple[str, str]]:
    """(where, English text) of every text the portal shows from the pack, in file order."""
    found: list[tuple[str, str]] = []
    for v in pack.versions:
        found.append((f"{v.code} version.legal_basis", v.legal_basis))
        found += [(f"{v.code} eligibility.transitional[{t.code}].explanation", t.explanation)
                  for t in v.eligibility.transitional]
        found += [(f"{v.code} measures[{m.kind}].legal_basis", m.legal_basis) for m in v.measures]
        cw = v.casework
        for kind, grounds in (("deferments", cw.deferments), ("exemptions", cw.exemptions),
                              ("corrections", cw.corrections),
                              ("excuses.grounds", cw.excuses.grounds if cw.excuses else ()),
                              ("alternative_service.grounds",
                               cw.alternative_service.grounds if cw.alternative_service else ())):
            found += [(f"{v.code} {kind}[{g.code}].name", g.name) for g in grounds]
            found += [(f"{v.code} {kind}[{g.code}].legal_reference", g.legal_reference) for g in grounds]
        if cw.excuses:
            found.append((f"{v.code} excuses.duty_after", cw.excuses.duty_after))
        found += [(f"{v.code} appeals[{a.level}].body", a.body) for a in cw.appeals]
        found += [(f"{v.code} appeals[{a.level}].legal_reference", a.legal_reference) for a in cw.appeals]
    return [(where, text) for where, text in found if text]


def check_translations(file: str, pack: Pack, language: str, data: dict[str, Any]) -> tuple[dict[str, str], list[Problem]]:
    """The `[texts]` table of a translations file, and its problems: not a table of strings, or a
    shown text with no translation (named by where it is in the pack and its English text)."""
    texts = data.get("texts")
    if not isinstance(texts, dict):
        return {}, [Problem(file, "texts", "must be a table from each English text to its translation")]
    problems = [Problem(file, f"texts.{key!r}", "must be a non-empty string")
                for key, value in texts.items() if not isinstance(value, str) or not value.strip()]
    problems += [Problem(file, f"texts.{text!r}", f"no {language} translation of {where}")
                 for where, text in shown_texts(pack) if text not in texts]
    unknown = set(texts) - {text for _, text in shown_texts(pack)}
    problems += [Problem(file, f"texts.{key!r}", "is not a text of the pack") for key in sorted(unknown)]
    return {k: v for k, v in texts.items() if isinstance(v, str)}, problems
