"""Aggregate counts for the status page and the CLI summary (no personal data)."""

from muster.registry.models import District, Observation, Person, Source


def registry_counts() -> dict[str, object]:
    return {
        "persons": Person.objects.count(),
        "districts": District.objects.count(),
        "sources": Source.objects.count(),
        "observations": Observation.objects.count(),
    }
