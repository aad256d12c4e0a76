"""How much the registry trusts each source, field by field, as the pack says (its `[sources]`).

`rank`: for a field, the sources most trusted first. An observation from a less trusted source never
overrides one from a more trusted source, whatever its time (muster.rules.merge); sources the pack
does not name rank below every named one, equal among themselves. `authoritative`: the sources
whose submissions for a field apply at once, without an officer's review (the civil registry for
deaths). Source names are as the registry records them: `import` (or an import's `--source`), and
`partner:<name>` for a partner agency's submissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from muster.rules.person_record import OBSERVED_FIELDS
from muster.rules.toml_reader import TableReader


@dataclass(frozen=True)
class SourceTrust:
    ranks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (field, sources most trusted first)
    authoritative: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (field, sources)

    def ranking(self, field: str) -> tuple[str, ...]:
        """The named sources for `field`, most trusted first (empty: every source is equal)."""
        return next((sources for f, sources in self.ranks if f == field), ())

    def rank(self, field: str, source: str) -> int:
        """0 is the most trusted; a source the pack does not name ranks last (len of the ranking)."""
        ranking = self.ranking(field)
        return ranking.index(source) if source in ranking else len(ranking)

    def is_authoritative(self, field: str, source: str) -> bool:
        return any(f == field and source in sources for f, sources in self.authoritative)


def parse_sources(root: TableReader) -> SourceTrust:
    """The pack's optional `[sources]` table; problems are added with their file and key."""
    table = root.table("sources", required=False)
    if table is None:
        return SourceTrust()
    ranks = _field_lists(table, "rank")
    authoritative = _field_lists(table, "authoritative")
    table.done()
    ranked = dict(ranks)
    for field, sources in authoritative:
        ranking = ranked.get(field, ())
        top = ranking[:len(sources)]
        if set(sources) != set(top):
            table.problem(f"authoritative.{field}", f"an authoritative source must also be ranked first for "
                                                    f"the field (sources.rank.{field} begins with it)")
    return SourceTrust(ranks=ranks, authoritative=authoritative)


def _field_lists(table: TableReader, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    inner = table.table(name, required=False)
    if inner is None:
        return ()
    out = []
    for field in list(inner.data):
        sources = inner.str_list(field)
        if field not in OBSERVED_FIELDS:
            inner.problem(field, f"is not a registry field (known: {', '.join(OBSERVED_FIELDS)})")
            continue
        if not sources:
            inner.problem(field, "must name at least one source")
        elif len(set(sources)) != len(sources):
            inner.problem(field, "names a source twice")
        elif any(not s.strip() for s in sources):
            inner.problem(field, "has an empty source name")
        else:
            out.append((field, sources))
    return tuple(out)
