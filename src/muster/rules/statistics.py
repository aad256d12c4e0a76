"""Small-cell suppression for published statistics: a count of 1 to 4 people could point at
someone, so an auditor's tables show it as hidden. Zero and 5 or more are shown as they are."""

from __future__ import annotations

from collections.abc import Mapping

SMALLEST_SHOWN = 5


def suppressed(count: int) -> int | None:
    """The count as published: None (hidden) when it lies in 1..SMALLEST_SHOWN-1."""
    if count < 0:
        raise ValueError(f"count: {count} is negative")
    return None if 0 < count < SMALLEST_SHOWN else count


def suppress_all(cells: Mapping[str, int]) -> dict[str, int | None]:
    return {key: suppressed(count) for key, count in cells.items()}


def rate(part: int | None, whole: int | None) -> float | None:
    """part / whole as a percentage with one decimal; None when either is hidden or whole is 0."""
    if part is None or whole is None or whole == 0:
        return None
    return round(100 * part / whole, 1)
