"""Install validated packs in the database and read them back.

A bad file is refused whole: the pack already installed stays in force.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from muster.policy.files import PACK_FILE, PackSource, pack_from_source, read_pack_dir
from muster.policy.models import PackRecord, PolicyVersionRecord
from muster.rules.policy import Pack


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


def install(directory: Path) -> tuple[Pack, bool]:
    """Validate and store a pack. Returns (pack, changed). Raises PolicyError, storing nothing."""
    from muster.registry.models import District

    pack, source = read_pack_dir(directory)
    with transaction.atomic():
        record = PackRecord.objects.filter(code=pack.code).first()
        if record is not None and record.digest == source.digest:
            return pack, False
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


