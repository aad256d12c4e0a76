"""Property: on PostgreSQL, issuing and the tick split over several connections (outside any
transaction) write the same rows and the same events as the single-transaction path (inside a
caller's transaction), on random people, campaigns, and ticks with deliveries and outcomes recorded
in between.

Each example plays one random history twice on the same people and campaigns: once with the batches
sharded (sql.SHARDS 2 or 3), once with each batch in `transaction.atomic()` (which forces the single
path); then compares what every step returned (issue results, tick counts, outcomes) and a
projection of every table the batches write: runs, summonses, deliveries, delivery events, measures,
ledger events (per summons in ledger order, and per person) and the audit records. Ids differ
between the two plays, so rows are keyed by campaign code and national id, and ids inside rows (run,
print batch, summons number, tracking number) are replaced by what they name.

One order is left open: a person's events of two summonses written by one batch. Shards write them
at once, so which comes first in the ledger depends on the shards' timing; the single path writes
them in summons order. The projection puts such events in summons order (each summons' own events
keep their ledger order).

The tick runs without sending email and SMS (not part of the sharded batch; their gateway references
are random); letters, postal receipts and outcomes recorded in between run the same way in both plays.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from muster.audit.models import AuditRecord
from muster.campaigns import issuing
from muster.campaigns import services as campaigns
from muster.campaigns.models import Campaign, CampaignDistrict
from muster.delivery import in_person
from muster.delivery.letters import make_batch
from muster.delivery.models import Delivery, DeliveryEvent, PrintBatch
from muster.delivery.receipts import import_receipts
from muster.kernel import db as sql
from muster.kernel.actor import Actor
from muster.ledger.models import Event
from muster.measures.models import Measure
from muster.registry.importer import import_persons
from muster.registry.models import Person
from muster.rules.notice_numbers import format_summons_number, tracking_number
from muster.summons import outcomes, tick
from muster.summons.models import Run, Summons
from tests.conftest import MSK, person_row, snils, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="batches run in shards only on PostgreSQL; elsewhere there is one path only"),
]

DISTRICTS = ("RU-RYA", "RU-TUL", "RU-MOW")

persons = st.lists(st.fixed_dictionaries({
    "district": st.sampled_from(DISTRICTS),
    "birth_date": st.one_of(st.dates(date(1998, 1, 1), date(2006, 12, 31)),  # liable
                            st.dates(date(1995, 1, 1), date(2009, 12, 31))),  # or too old, or too young
    "sex": st.sampled_from("MMMF"),
    "electronic_account": st.sampled_from(["true", "false", ""]),
    "email": st.booleans(),
    "phone": st.booleans(),
}), min_size=4, max_size=24)

campaign_specs = st.lists(st.fixed_dictionaries({
    "quotas": st.dictionaries(st.sampled_from(DISTRICTS), st.integers(1, 10), min_size=1),
    "purpose": st.sampled_from(["call_up", "medical_examination"]),
    "starts_after": st.integers(1, 12),  # days after the first issue
    "days": st.integers(0, 14),
}), min_size=1, max_size=2)

gaps = st.one_of(st.sampled_from([0, 1, 24, 24 * 7, 24 * 21]), st.integers(1, 24 * 30))  # hours
people_index, campaign_index = st.integers(0, 23), st.integers(0, 1)
actions = st.one_of(
    st.just(("tick",)),
    st.just(("tick",)),
    st.tuples(st.just("issue"), campaign_index),
    st.just(("letters",)),
    st.tuples(st.just("hand"), people_index, campaign_index, st.sampled_from(["signed", "refused"])),
    st.tuples(st.just("record"), people_index, campaign_index, st.sampled_from(["appeared", "excused", "cancelled"])),
    st.tuples(st.just("receipt"), people_index, campaign_index, st.sampled_from(["delivered", "refused", "returned"])),
)
histories = st.lists(st.tuples(gaps, actions), max_size=10)
# From the first issue: the ru-2024-01-01 and ru-2026-01-01 versions are both in reach.
starts = st.builds(lambda day, minute: datetime.combine(day, time(), MSK) + timedelta(minutes=minute),
                   st.dates(date(2025, 12, 10), date(2026, 2, 28)), st.integers(0, 24 * 60 - 1))


def _wipe_batches() -> None:
    """Every row the batches and the recorded outcomes write (legal bases and the audit trail stay)."""
    for model in (Event, Measure, DeliveryEvent, Delivery, PrintBatch, Summons, Run):
        model.objects.all().delete()


def _wipe_all() -> None:
    _wipe_batches()
    CampaignDistrict.objects.all().delete()
    Campaign.objects.all().delete()
    with connection.cursor() as cur:  # the audit trail names people (PROTECT through the ORM)
        cur.execute("DELETE FROM registry_personstatus")
        cur.execute("DELETE FROM registry_person")


def _set_up(ru, tmp_path: Path, people: list[dict[str, Any]], specs: list[dict[str, Any]], start: datetime) -> None:
    rows = [person_row(snils(i), district=p["district"], birth_date=p["birth_date"].isoformat(), sex=p["sex"],
                       electronic_account=p["electronic_account"], email=f"p{i}@example.ru" if p["email"] else "",
                       phone=f"+7916{i:07d}" if p["phone"] else "") for i, p in enumerate(people)]
    assert import_persons(write_csv(tmp_path / "people.csv", rows), ru).imported == len(rows)
    for k, spec in enumerate(specs):
        first = start.date() + timedelta(days=spec["starts_after"])
        for purpose in dict.fromkeys([spec["purpose"], "medical_examination"]):  # call-up has seasons before 2026
            try:
                campaigns.create(ru, campaigns.CampaignRequest(
                    code=f"C{k}", purpose=purpose, districts=spec["quotas"], appear_from=first,
                    appear_to=first + timedelta(days=spec["days"]), place="ул. Ленина, 1"),
                    actor=Actor.officer("t"), today=start.date())
                break
            except campaigns.CampaignError:
                if purpose == "medical_examination":
                    raise


def _summons(campaign_no: int, person_no: int) -> Summons | None:
    return Summons.objects.filter(campaign__code=f"C{campaign_no}", person__national_id=snils(person_no)).first()


def _play(history: list[tuple[int, tuple[Any, ...]]], start: datetime, last_gap: int, people: int,
          campaign_count: int, sharded: bool, out: Path) -> list[Any]:
    """Play the history; with sharded=False every batch runs inside a transaction of the caller's.
    Returns what each step returned (or the error it raised)."""
    out.mkdir(parents=True, exist_ok=True)

    def batch(work):
        assert sql.can_fan_out()
        if sharded:
            return work()
        with transaction.atomic():
            assert not sql.can_fan_out()
            return work()

    returned: list[Any] = []
    now = start
    for step, (gap, action) in enumerate([(0, ("issue", 0)), *history, (last_gap, ("tick",))]):
        now += timedelta(hours=gap)
        kind = action[0]
        if kind == "tick":
            returned.append(batch(lambda now=now: tick.tick(now, actor=Actor.officer("t"))))
        elif kind == "issue":
            campaign = campaigns.get(f"C{action[1] % campaign_count}")
            try:
                returned.append(batch(lambda c=campaign, now=now: issuing.issue(c, now, actor=Actor.officer("t")).as_dict()))
            except issuing.IssueError as exc:
                returned.append(("refused", str(exc)))
        elif kind == "letters":
            result = make_batch(now, out, actor=Actor.officer("t"))
            returned.append(result["letters"])
        else:
            person_no, campaign_no, what = action[1] % people, action[2] % campaign_count, action[3]
            summons = _summons(campaign_no, person_no)
            if summons is None:
                returned.append("no summons")
                continue
            number = format_summons_number(summons.number)
            try:
                if kind == "hand":
                    returned.append(in_person.hand_over(number, what, now, actor=Actor.officer("t")))
                elif kind == "record":
                    returned.append(outcomes.record(number, what, now, actor=Actor.officer("t")).as_dict())
                else:
                    letter = Delivery.objects.filter(summons=summons, channel="post").exclude(provider_ref="").first()
                    if letter is None:
                        returned.append("no letter")
                        continue
                    receipts = write_csv(out / f"receipts-{step}.csv",
                                         [{"tracking_number": letter.provider_ref, "event": what, "at": now.isoformat()}],
                                         header=("tracking_number", "event", "at"))
                    returned.append(import_receipts(receipts, actor=Actor.officer("t")).as_dict())
            except outcomes.OutcomeError as exc:
                returned.append(("refused", str(exc)))
    return returned


def _projection(returned: list[Any], audit_after: int) -> dict[str, Any]:
    """Every table the batches write, keyed by what rows name rather than by ids."""
    nid = dict(Person.objects.values_list("id", "national_id"))
    run_no = {pk: n for n, pk in enumerate(Run.objects.order_by("id").values_list("id", flat=True))}
    batch_no = {pk: n for n, pk in enumerate(PrintBatch.objects.order_by("id").values_list("id", flat=True))}
    summonses = list(Summons.objects.select_related("campaign").order_by("id"))
    key = {s.pk: (s.campaign.code, nid[s.person_id]) for s in summonses}
    by_number = {s.number: key[s.pk] for s in summonses}
    shown = {format_summons_number(s.number): "summons {}/{}".format(*key[s.pk]) for s in summonses}

    def text(value: str) -> str:
        value = re.sub(r"\d{4}-\d{4}-\d{2}", lambda m: shown.get(m.group(0), m.group(0)), value)
        return re.sub(r"\(run (\d+)\)", lambda m: f"(run #{run_no.get(int(m.group(1)), m.group(1))})", value)

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    deliveries: dict[tuple[str, str], list[Any]] = {}
    delivery_key: dict[int, tuple[Any, int]] = {}
    for d in Delivery.objects.order_by("id"):
        tracking = tracking_number(d.pk % 10**8, country="RU")
        listed = deliveries.setdefault(key[d.summons_id], [])
        delivery_key[d.pk] = (key[d.summons_id], len(listed))
        listed.append((nid[d.person_id], d.channel, d.state, d.attempts, d.next_attempt_at,
                       "<tracking>" if d.provider_ref == tracking else d.provider_ref, d.last_error,
                       batch_no.get(d.print_batch) if d.print_batch else None))
    delivery_events: dict[tuple[str, str], list[Any]] = {}
    for e in DeliveryEvent.objects.order_by("id"):
        evidence = re.sub(r"^print batch (\d+), tracking \w+$",
                          lambda m: f"print batch #{batch_no.get(int(m.group(1)))}, tracking <tracking>", e.evidence)
        delivery_events.setdefault(key[e.summons_id], []).append(
            (nid[e.person_id], delivery_key[e.delivery_id], e.channel, e.event, e.happened_on, e.at, evidence))
    measures: dict[tuple[str, str], list[Any]] = {}
    measure_key = {}
    for m in Measure.objects.select_related("basis").order_by("id"):
        measure_key[m.pk] = (key[m.summons_id], m.kind)
        measures.setdefault(key[m.summons_id], []).append(
            (nid[m.person_id], m.kind, m.status, m.basis.text, m.effective_from, m.lifted_on, m.lift_reason,
             m.policy_version, run_no.get(m.created_run)))
    events_by_summons: dict[tuple[str, str] | None, list[Any]] = {}
    events_by_person: dict[str, list[Any]] = {}
    for e in Event.objects.order_by("id"):
        payload = dict(e.payload)
        for field in ("number", "summons_number"):
            if field in payload:
                payload[field] = by_number.get(payload[field], payload[field])
        row = (e.type, nid[e.person_id], key.get(e.summons_id), measure_key.get(e.measure_id), plain(payload),
               e.occurred_at)
        events_by_summons.setdefault(key.get(e.summons_id), []).append(row)
        events_by_person.setdefault(nid[e.person_id], []).append(row)
    # A person's events in ledger order, except that events of two summonses written at the same moment
    # (one batch) are put in summons order: shards write them at once, so their relative order is open.
    for person, rows in events_by_person.items():
        events_by_person[person] = [
            r for _, group in _runs_of(rows, lambda r: r[5]) for r in sorted(group, key=lambda r: str(r[2]))]
    audit = [(a.actor, a.action, a.object_type,
              f"run #{run_no.get(int(a.object_id))}" if a.action == "tick"
              else f"print batch #{batch_no.get(int(a.object_id))}" if a.action == "letters.batch"
              else text(a.object_id) if not a.object_id.isdigit()
              else "summons {}/{}".format(*by_number[int(a.object_id)]) if int(a.object_id) in by_number
              else a.object_id,
              nid.get(a.person_id), text(a.purpose))
             # Seals of the access log name row ids and a digest over them: they differ between databases.
             for a in AuditRecord.objects.filter(id__gt=audit_after).exclude(action="access_log.seal").order_by("id")]
    return {
        "returned": plain(returned),
        "runs": [(r.kind, r.now, r.campaign.code if r.campaign else None, r.counts, r.actor, r.finished_at is not None)
                 for r in Run.objects.select_related("campaign").order_by("id")],
        "summonses": sorted((key[s.pk], s.district, s.placed_at, s.placed_on, s.appearance_date, s.status,
                             s.served_on, s.served_how, s.served_evidence, s.missed_on, s.closed_at, s.closed_reason,
                             s.policy_version, run_no.get(s.issue_run), run_no.get(s.changed_run))
                            for s in summonses),
        "deliveries": deliveries,
        "delivery_events": delivery_events,
        "measures": measures,
        "events_by_summons": events_by_summons,
        "events_by_person": events_by_person,
        "audit": audit,
    }


def _runs_of(rows: list[Any], key) -> list[tuple[Any, list[Any]]]:
    """Consecutive rows with equal key(row), as (key, rows)."""
    groups: list[tuple[Any, list[Any]]] = []
    for row in rows:
        if groups and groups[-1][0] == key(row):
            groups[-1][1].append(row)
        else:
            groups.append((key(row), [row]))
    return groups


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(people=persons, specs=campaign_specs, start=starts, history=histories,
       second_issue=st.tuples(st.integers(0, 10), gaps), last_gap=st.sampled_from([1, 24 * 10, 24 * 45]),
       shards=st.integers(2, 3))
@example(  # two policy versions: C0 placed on 2025-12-20 (ru-2024-01-01), C1 on 2026-01-02 (ru-2026-01-01);
    # both served in the tick of 2026-01-10, both missed in the tick of 2026-01-25
    people=[{"district": d, "birth_date": date(2000 + i, 3, 1), "sex": "M", "electronic_account": a, "email": e,
             "phone": not e} for i, (d, a, e) in enumerate([("RU-RYA", "true", True), ("RU-RYA", "false", False),
                                                           ("RU-RYA", "", True), ("RU-TUL", "true", False),
                                                           ("RU-TUL", "false", True), ("RU-TUL", "", False)])],
    specs=[{"quotas": {"RU-RYA": 2, "RU-TUL": 3}, "purpose": "medical_examination", "starts_after": 5, "days": 3},
           {"quotas": {"RU-RYA": 3, "RU-TUL": 1}, "purpose": "call_up", "starts_after": 12, "days": 10}],
    start=datetime(2025, 12, 20, 10, tzinfo=MSK),
    history=[(24, ("letters",)), (48, ("receipt", 1, 0, "delivered")), (13 * 24 - 72, ("letters",)),
             (8 * 24, ("tick",)), (1, ("hand", 0, 1, "signed")), (2, ("record", 3, 0, "excused")),
             (15 * 24, ("tick",))],
    second_issue=(3, 0), last_gap=24 * 45, shards=2)
def test_sharded_batches_write_what_one_transaction_writes(packs, tmp_path, monkeypatch, people, specs, start,
                                                           history, second_issue, last_gap, shards):
    if len(specs) > 1:  # the second campaign is issued at some step too (and may be issued again by the history)
        history = [*history[:second_issue[0]], (second_issue[1], ("issue", 1)), *history[second_issue[0]:]]
    note(f"people={people!r}\nspecs={specs!r}\nstart={start!r}\nhistory={history!r}\n"
         f"last_gap={last_gap!r}\nshards={shards!r}")  # (this Hypothesis prints the arguments blank)
    _wipe_all()
    _set_up(packs.get_pack("ru"), tmp_path, people, specs, start)  # (the ru fixture: a 30 kB repr in reports)
    monkeypatch.setattr(sql, "SHARDS", shards)
    fanned: list[int] = []
    fan_out = sql.fan_out
    monkeypatch.setattr(sql, "fan_out", lambda work, parts: fanned.append(len(parts)) or fan_out(work, parts))

    plays = {}
    for sharded in (True, False):
        _wipe_batches()
        fanned.clear()
        audit_after = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        returned = _play(history, start, last_gap, len(people), len(specs), sharded, tmp_path / f"play-{sharded}")
        plays[sharded] = _projection(returned, audit_after)
        for summons, rows in plays[sharded]["events_by_summons"].items():  # and, on either path: each change once
            changes = Counter(r[0] for r in rows if r[0].startswith("summons."))
            assert set(changes.values()) <= {1}, (summons, changes)
        if sharded and Summons.objects.exists():
            assert max(fanned) > 1  # the sharded play did split the work
        if not sharded:
            assert fanned == []
    for part in plays[True]:
        assert plays[True][part] == plays[False][part], part
