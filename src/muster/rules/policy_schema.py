"""Parse and validate pack and policy-version documents (already-parsed TOML).

A document with any problem is refused whole: `PolicyError` lists every
problem with its file and key. Reading the files is the policy app's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from muster.rules.casework_schema import parse_casework
from muster.rules.dates import LeapDayRule
from muster.rules.national_id import IdScheme, PlainScheme, SnilsScheme
from muster.rules.policy import (
    CAMPAIGN_PURPOSES,
    CHANNELS,
    MEASURE_LIFTS,
    MEASURE_TRIGGERS,
    PERSON_STATUSES,
    SELECTION_KEYS,
    CampaignLimits,
    District,
    Eligibility,
    MeasureRule,
    Pack,
    PolicyVersion,
    Registration,
    SummonsRules,
    TransitionalRule,
)
from muster.rules.source_trust import parse_sources
from muster.rules.toml_reader import PolicyError, Problem, TableReader

_CODE = re.compile(r"^[a-z][a-z0-9_\-]*$")
_SEASON = re.compile(r"^(\d\d)-(\d\d)/(\d\d)-(\d\d)$")
DELIVERY_EVENTS = ("posted", "delivered", "opened", "signed", "refused")


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise PolicyError(problems)


def _any_zone(name: str) -> bool:
    return True


def parse_pack_header(file: str, data: dict[str, Any], zone_exists: Callable[[str], bool] = _any_zone,
                      problems: list[Problem] | None = None) -> tuple[Pack, tuple[str, ...]]:
    """The pack without its versions, and the version files it lists (in order). `zone_exists` says
    whether a time-zone name is known (the caller asks the time-zone database; rules do no I/O).
    Given a `problems` list, problems are added to it rather than raised, so that a caller can
    report them together with those of the version files."""
    collect = problems is not None
    problems = problems if problems is not None else []
    root = TableReader(file, data, "", problems)
    head = root.table("pack")
    scheme_t = root.table("id_scheme")
    district_ts = root.tables("districts", required=True)
    sources = parse_sources(root)
    root.done()
    code = name = country = tz = ""
    languages: tuple[str, ...] = ()
    leap = LeapDayRule.FEB28
    policies: tuple[str, ...] = ()
    if head:
        code = head.req("code", str, "")
        if code and not _CODE.match(code):
            head.problem("code", "must be lower-case letters, digits, '-' or '_'")
        name = head.req("name", str, "")
        country = head.req("country", str, "")
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            head.problem("country", "must be an ISO 3166-1 alpha-2 code such as RU")
        tz = head.req("time_zone", str, "")
        if tz and not zone_exists(tz):
            head.problem("time_zone", f"{tz!r} is not a time zone of the IANA database (such as Europe/Moscow)")
        languages = head.str_list("languages")
        leap_text = head.choice("leap_day_birthday", tuple(r.value for r in LeapDayRule))
        leap = LeapDayRule(leap_text) if leap_text else LeapDayRule.FEB28
        policies = head.str_list("policies")
        if head.data.get("policies") == []:
            head.problem("policies", "must list at least one policy version file")
        head.done()
    scheme: IdScheme = SnilsScheme()
    if scheme_t:
        kind = scheme_t.choice("kind", ("snils", "plain"))
        pattern = scheme_t.opt("pattern", str)
        strip = scheme_t.opt("strip", str, "")
        if kind == "plain":
            if pattern is None:
                scheme_t.problem("pattern", "is missing (a plain id scheme needs a regular expression)")
            else:
                try:
                    re.compile(pattern)
                    scheme = PlainScheme(pattern=pattern, strip=strip)
                except re.error as exc:
                    scheme_t.problem("pattern", f"is not a valid regular expression: {exc}")
        scheme_t.done()
    districts = []
    seen: set[str] = set()
    for t in district_ts:
        d_code = t.req("code", str, "")
        if d_code in seen:
            t.problem("code", f"duplicate district code {d_code!r}")
        seen.add(d_code)
        districts.append(District(
            code=d_code,
            name=t.req("name", str, ""),
            office=t.req("office", str, ""),
            office_address=t.opt("office_address", str, ""),
            daily_capacity=t.positive("daily_capacity", required=False, default=100, minimum=1),
        ))
        t.done()
    if not district_ts and "districts" in data:
        root.problem("districts", "must list at least one district")
    if not collect:
        _raise_if(problems)
    pack = Pack(code=code, name=name, country=country, time_zone=tz, languages=languages,
                leap_day_rule=leap, id_scheme=scheme, districts=tuple(districts), sources=sources)
    return pack, policies


def _eligibility(t: TableReader) -> Eligibility:
    sexes = t.str_list("sexes", choices=("M", "F"))
    citizenships = t.str_list("citizenships")
    min_age = t.positive("min_age", default=0)
    max_age = t.positive("max_age", default=0)
    if isinstance(min_age, int) and isinstance(max_age, int) and max_age <= min_age:
        t.problem("max_age", f"must be greater than min_age ({min_age}); got {max_age}")
    excluded = t.str_list("excluded_statuses", choices=PERSON_STATUSES)
    transitional = []
    for tr in t.tables("transitional"):
        transitional.append(TransitionalRule(
            code=tr.req("code", str, ""),
            reached_age=tr.positive("reached_age", default=0, minimum=1),
            before=tr.req("before", date, date.min),
            explanation=tr.req("explanation", str, ""),
        ))
        tr.done()
    t.done()
    return Eligibility(sexes=sexes, citizenships=citizenships, min_age=min_age or 0,
                       max_age=max_age or 0, excluded_statuses=excluded,
                       transitional=tuple(transitional))


def _summons(t: TableReader) -> SummonsRules:
    channels = t.str_list("channels", choices=CHANNELS)
    notify = t.str_list("notify_channels", choices=CHANNELS)
    order = t.str_list("channel_order", choices=CHANNELS)
    served_t = t.table("served_by")
    served: list[tuple[str, tuple[str, ...]]] = []
    if served_t:
        for channel in list(served_t.data):
            if channel not in CHANNELS:
                served_t.seen.add(channel)
                served_t.problem(channel, f"unknown channel; channels are {', '.join(CHANNELS)}")
                continue
            served.append((channel, served_t.str_list(channel, choices=DELIVERY_EVENTS)))
        served_t.done()
    deemed = t.positive("deemed_served_after_days", required=False)
    grace = t.positive("grace_days", default=0)
    t.done()
    return SummonsRules(channels=channels, notify_channels=notify, channel_order=order,
                        served_by=tuple(served), deemed_served_after_days=deemed,
                        grace_days=grace or 0)


# A legal basis is stored once per text and looked up by it (muster.measures.models.LegalBasis).
MAX_LEGAL_BASIS = 1000


def _measures(root: TableReader) -> tuple[MeasureRule, ...]:
    out = []
    seen: set[str] = set()
    for t in root.tables("measures"):
        kind = t.req("kind", str, "")
        if kind and not _CODE.match(kind):
            t.problem("kind", "must be lower-case letters, digits or '_'")
        if kind in seen:
            t.problem("kind", f"duplicate measure kind {kind!r}")
        seen.add(kind)
        basis = t.req("legal_basis", str, "")
        if isinstance(t.data.get("legal_basis"), str) and not basis.strip():
            t.problem("legal_basis", "must say what law the measure rests on")
        elif len(basis) > MAX_LEGAL_BASIS:
            t.problem("legal_basis", f"at most {MAX_LEGAL_BASIS:,} characters (a citation of the law), "
                                     f"got {len(basis):,}")
        out.append(MeasureRule(
            kind=kind,
            trigger=t.choice("trigger", MEASURE_TRIGGERS) or "",
            legal_basis=basis,
            lifted_by=t.str_list("lifted_by", choices=MEASURE_LIFTS),
            officer_signoff=t.opt("officer_signoff", bool, False),
        ))
        t.done()
    return tuple(out)


def _campaigns(t: TableReader) -> CampaignLimits:
    seasons = []
    for i, text in enumerate(t.str_list("call_up_seasons", required=False)):
        m = _SEASON.match(text)
        if not m:
            t.problem(f"call_up_seasons[{i}]", f"must look like MM-DD/MM-DD; got {text!r}")
            continue
        start, end = text.split("/")
        seasons.append((start, end))
    limits = CampaignLimits(
        purposes=t.str_list("purposes", choices=CAMPAIGN_PURPOSES),
        selection_order=t.str_list("selection_order", choices=SELECTION_KEYS),
        call_up_all_year=t.req("call_up_all_year", bool, False),
        call_up_seasons=tuple(seasons),
        max_days_after_placement=t.positive("max_days_after_placement", required=False,
                                            minimum=1),
    )
    t.done()
    return limits


def parse_version(file: str, data: dict[str, Any]) -> PolicyVersion:
    """One policy version document; raises PolicyError naming every problem."""
    problems: list[Problem] = []
    root = TableReader(file, data, "", problems)
    head = root.table("version")
    elig_t = root.table("eligibility")
    summons_t = root.table("summons", required=False)
    measures = _measures(root)
    casework = parse_casework(root, tuple(m.kind for m in measures))
    campaigns_t = root.table("campaigns", required=False)
    registration_t = root.table("registration", required=False)
    root.done()

    code, effective_from, until, basis, summary = "", date.min, None, "", ""
    if head:
        code = head.req("code", str, "")
        effective_from = head.req("effective_from", date, date.min)
        until = head.opt("effective_until", date)
        if until is not None and effective_from is not None and until < effective_from:
            head.problem("effective_until", f"goes backwards: {until} is before effective_from {effective_from}")
        basis = head.req("legal_basis", str, "")
        summary = head.opt("summary", str, "")
        head.done()
    eligibility = _eligibility(elig_t) if elig_t else None
    summons = _summons(summons_t) if summons_t else None
    campaigns = _campaigns(campaigns_t) if campaigns_t else None
    registration = None
    if registration_t:
        r = registration_t
        registration = Registration(
            register_within_days=r.positive("register_within_days", default=0, minimum=1),
            acknowledgement_letter=r.req("acknowledgement_letter", bool, False),
            status_letter=r.req("status_letter", bool, False),
            online_verification=r.req("online_verification", bool, False),
        )
        r.done()
    if measures and summons is None:
        root.problem("measures", "measures need a [summons] table: they rest on summonses")
    if summons is None and campaigns is not None:
        root.problem("campaigns", "campaigns need a [summons] table")
    _raise_if(problems)
    assert eligibility is not None
    return PolicyVersion(
        code=code, effective_from=effective_from, effective_until=until, legal_basis=basis,
        summary=summary, eligibility=eligibility, summons=summons, measures=measures,
        casework=casework, campaigns=campaigns,
        registration=registration, source=file,
    )


def check_sequence(versions: list[PolicyVersion], pack_file: str) -> None:
    """Versions must be listed in date order, without overlapping periods."""
    problems: list[Problem] = []
    codes: set[str] = set()
    for i, v in enumerate(versions):
        if v.code in codes:
            problems.append(Problem(v.source, "version.code", f"duplicate version code {v.code!r}"))
        codes.add(v.code)
        if i == 0:
            continue
        prev = versions[i - 1]
        if v.effective_from == prev.effective_from:
            problems.append(Problem(v.source, "version.effective_from",
                                    f"overlaps {prev.source}: both take effect on {v.effective_from}"))
        elif v.effective_from < prev.effective_from:
            problems.append(Problem(v.source, "version.effective_from",
                                    f"goes backwards: {v.effective_from} is before "
                                    f"{prev.effective_from} of {prev.source}, listed before it "
                                    f"in {pack_file}"))
        elif prev.effective_until is not None and prev.effective_until >= v.effective_from:
            problems.append(Problem(prev.source, "version.effective_until",
                                    f"overlaps {v.source}: {prev.effective_until} is on or after "
                                    f"its effective_from {v.effective_from}"))
    _raise_if(problems)


def assemble(pack: Pack, versions: list[PolicyVersion], pack_file: str) -> Pack:
    check_sequence(versions, pack_file)
    problems: list[Problem] = []
    for v in versions:
        for c in v.eligibility.citizenships:
            if not re.fullmatch(r"[A-Z]{2}", c):
                problems.append(Problem(v.source, "eligibility.citizenships",
                                        f"{c!r} is not an ISO 3166-1 alpha-2 code"))
    _raise_if(problems)
    return Pack(code=pack.code, name=pack.name, country=pack.country, time_zone=pack.time_zone,
                languages=pack.languages, leap_day_rule=pack.leap_day_rule,
                id_scheme=pack.id_scheme, districts=pack.districts, versions=tuple(versions),
                sources=pack.sources)
