"""The measures' SQL mirrors of their pure rules, each written once."""

from __future__ import annotations

from muster.rules.outcomes import IN_FORCE_STATUS

# muster.rules.outcomes.in_force over measures_measure aliased `m`; the parameter is today.
IN_FORCE = f"m.status = '{IN_FORCE_STATUS}' AND m.effective_from <= %s"
# Measures that may come into force (the replica keeps these, and tests today per check).
ACTIVE = f"m.status = '{IN_FORCE_STATUS}'"
# A person's measures, through their summonses (muster.measures.models says why), with the legal basis.
OF_PERSON = ("JOIN notices_summons s ON s.person_id = p.id JOIN measures_measure m ON m.summons_id = s.id "
             "JOIN measures_legalbasis b ON b.id = m.basis_id")

# The person a check is about, as exactly one row whether the registry holds the id or not: an
# unknown id is person 0 (nobody), so the check logs one read and probes the same indexes either
# way and its work does not tell who is registered (no registration oracle). The parameter is the
# normalised national id.
CHECKED_PERSON = "SELECT COALESCE((SELECT id FROM registry_person WHERE national_id = %s), 0) AS id"
