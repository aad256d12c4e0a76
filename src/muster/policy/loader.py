"""Install validated packs in the database and read them back.

A bad file is refused whole: the pack already installed stays in force.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from muster.kernel.clock import today_in
from muster.policy.files import PACK_FILE, PackSource, pack_from_source, read_pack_dir
from muster.policy.models import PackRecord, PolicyVersionRecord
from muster.rules.policy import Pack, replacement_problems
from muster.rules.toml_reader import PolicyError, Problem


def pack_dirs() -> list[Path]:
    """Every pack folder on the configured search path (built-in packs first)."""
    found: dict[str, Path] = {}
    for root in settings.MUSTER_PACKS_DIRS:
        root = Path(root)
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if (child / PACK_FILE).is_file():
                found[child.name] = child
    return list(found.values())


def _no_versions_in_use() -> frozenset[str]:
    return frozenset()


def install(directory: Path, *, versions_in_use: Callable[[], frozenset[str]] = _no_versions_in_use,
            now: datetime | None = None) -> tuple[Pack, bool]:
    """Validate and store a pack. Returns (pack, changed). Raises PolicyError, storing nothing.
    An installed version may not change (muster.rules.policy.replacement_problems): decisions rest
    on it. `versions_in_use` names the versions decisions used (the areas above know them);
    `now` is the instant "not yet in force" is judged at (default: the clock)."""
    from muster.registry.models import District

    pack, source = read_pack_dir(directory)
    with transaction.atomic():
        record = PackRecord.objects.select_for_update().filter(code=pack.code).first()
        if record is not None and record.digest == source.digest:
            return pack, False
        if record is not None:
            installed = get_pack(pack.code)
            problems = replacement_problems(installed.versions, pack.versions, today_in(pack, now),
                                            versions_in_use())
            if problems:
                raise PolicyError([Problem(file, "", message) for file, message in problems])
        if record is None:
            record = PackRecord(code=pack.code)
        record.name, record.source_dir = pack.name, str(directory)
        record.document, record.digest, record.loaded_at = source.pack_text, source.digest, timezone.now()
        record.save()
        record.versions.all().delete()
        PolicyVersionRecord.objects.bulk_create([
            PolicyVersionRecord(pack=record, code=v.code, position=i, effective_from=v.effective_from,
                                effective_until=v.effective_until, legal_basis=v.legal_basis,
                                source_file=name, document=text)
            for i, (v, (name, text)) in enumerate(zip(pack.versions, source.versions, strict=True))
        ])
        for d in pack.districts:
            District.objects.update_or_create(
                code=d.code,
                defaults={"pack_code": pack.code, "name": d.name, "office": d.office,
                          "office_address": d.office_address, "daily_capacity": d.daily_capacity})
    _cache.clear()
    return pack, True


_cache: dict[str, tuple[str, Pack]] = {}


def get_pack(code: str) -> Pack:
    """The installed pack, as last accepted by `install` (raises LookupError if none)."""
    record = PackRecord.objects.filter(code=code).first()
    if record is None:
        known = ", ".join(PackRecord.objects.values_list("code", flat=True)) or "none"
        raise LookupError(f"pack {code!r} is not installed (installed: {known}); run 'muster init'")
    cached = _cache.get(code)
    if cached and cached[0] == record.digest:
        return cached[1]
    versions = tuple((v.source_file, v.document) for v in record.versions.order_by("position"))
    pack = pack_from_source(PackSource(record.source_dir, record.document, versions))
    _cache[code] = (record.digest, pack)
    return pack


