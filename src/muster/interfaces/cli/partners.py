"""Commands for measures (show, sign-off queue), partner agencies, their feeds and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from muster.interfaces.cli.main import actor, setup_django
from muster.interfaces.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, emit_json, fail, table
from muster.interfaces.cli.packs import checked_now, json_option, parse_datetime
from muster.interfaces.cli.registry import _load_pack, _pack_option


def _now(now: datetime | None, as_json: bool) -> datetime:
    return checked_now(now, as_json=as_json)  # a live database's --now may not run ahead


def _now_option(f: Any) -> Any:
    return click.option("--now", "now", callback=parse_datetime, metavar="DATETIME",
                        help="The time to act at (default: now); for simulation.")(f)


def _measure_rows(rows: list[dict[str, Any]]) -> None:
    for m in rows:
        lifted = f", lifted {m['lifted_on']}" if m["lifted_on"] else ""
        click.echo(f"#{m['id']} {m['kind']} {m['status']} from {m['effective_from']}{lifted} "
                   f"(summons {m['number']}): {m['reason']}")


def register(cli: click.Group) -> None:
    @cli.group("measures")
    def measures_group() -> None:
        """Measures on people: read them, and sign off those the policy holds for an officer."""

    @measures_group.command("show")
    @click.argument("national_id")
    @_pack_option
    @json_option
    def measures_show(national_id: str, pack_code: str | None, as_json: bool) -> None:
        """Every measure of one person, active and past (the read is logged for the person)."""
        setup_django()
        from muster.measures import services as measures
        from muster.registry import services as registry

        pack = _load_pack(pack_code, as_json)
        try:
            rows = measures.show(actor("measures show"), national_id, pack.code)
        except registry.InvalidNationalId as exc:
            fail(f"national id: {exc}", as_json=as_json, code=EXIT_INVALID)
        except registry.PersonNotFound as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        emit_json(rows) if as_json else _measure_rows(rows)

    @measures_group.command("pending")
    @_pack_option
    @json_option
    def measures_pending(pack_code: str | None, as_json: bool) -> None:
        """The queue of measures waiting for an officer's sign-off."""
        setup_django()
        from muster.measures import services as measures

        rows = measures.pending(actor(), _load_pack(pack_code, as_json).code)
        emit_json(rows) if as_json else _measure_rows(rows)

    @measures_group.command("sign")
    @click.argument("measure_id", type=int)
    @_now_option
    @_pack_option
    @json_option
    def measures_sign(measure_id: int, now: datetime | None, pack_code: str | None, as_json: bool) -> None:
        """Sign off a pending measure: it comes into force and partners are told."""
        setup_django()
        from muster.measures import services as measures

        try:
            row = measures.sign(actor(), measure_id, _now(now, as_json), _load_pack(pack_code, as_json).code)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        except measures.SignOffError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        emit_json(row) if as_json else _measure_rows([row])

    @measures_group.command("decline")
    @click.argument("measure_id", type=int)
    @click.option("--reason", required=True, help="Why the measure should not start.")
    @_now_option
    @_pack_option
    @json_option
    def measures_decline(measure_id: int, reason: str, now: datetime | None, pack_code: str | None,
                         as_json: bool) -> None:
        """Decline a pending measure: it never comes into force."""
        setup_django()
        from muster.measures import services as measures

        try:
            row = measures.decline(actor(), measure_id, _now(now, as_json), reason, _load_pack(pack_code, as_json).code)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        except measures.SignOffError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        emit_json(row) if as_json else _measure_rows([row])

    @cli.group("partner")
    def partner_group() -> None:
        """Partner agencies and their API keys."""

    @partner_group.command("add")
    @click.argument("name")
    @click.option("--kinds", default="", help="Measure kinds it enforces, comma-separated: K1,K2. None for a partner "
                  "that only submits (a register: give --submit); its checks are refused.")
    @click.option("--webhook", default="", help="URL to POST its events to (Standard Webhooks).")
    @click.option("--submit", "submit", default="", help="What it may submit, comma-separated: fields (address, "
                  "postcode, district, email, phone, electronic_account, death_date, country, since) or kinds "
                  "(contact, death, emigration: all their fields; enrolment, medical, employment: a register's facts for "
                  "straight-through processing). Default: nothing.")
    @json_option
    def partner_add(name: str, kinds: str, webhook: str, submit: str, as_json: bool) -> None:
        """Create a partner; prints its API key (and webhook secret) once."""
        setup_django()
        from muster.partners import services as partners

        try:
            data = partners.add(actor(), name, _list(kinds), webhook, _list(submit))
        except partners.PartnerError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        if as_json:
            emit_json(data)
            return
        click.echo(f"partner {data['name']} enforces {', '.join(data['kinds']) or 'no measure kinds'}; "
                   f"may submit {', '.join(data['submit']) or 'nothing'}")
        click.echo(f"api key (shown once, keep it secret): {data['api_key']}")
        if data["webhook_secret"]:
            click.echo(f"webhook secret: {data['webhook_secret']}")

    @partner_group.command("list")
    @json_option
    def partner_list(as_json: bool) -> None:
        """Every partner, its kinds, webhook and keys (never the keys themselves)."""
        setup_django()
        from muster.partners import services as partners

        rows = partners.list_all(actor())
        if as_json:
            emit_json(rows)
        else:
            table([(r["name"], f"{','.join(r['kinds'])}  feed {r['feed_length']}  "
                               f"{sum(1 for k in r['keys'] if not k['revoked_at'])} active key(s)") for r in rows],
                  title="partners")

    @partner_group.command("grant")
    @click.argument("name")
    @click.option("--submit", "submit", required=True, help="What it may submit from now on: kinds or fields, "
                  "comma-separated, as for `partner add` (replaces the grant; '' for nothing).")
    @json_option
    def partner_grant(name: str, submit: str, as_json: bool) -> None:
        """Set what a partner may submit; anything else it submits is refused (403)."""
        setup_django()
        from muster.partners import services as partners

        try:
            data = partners.grant(actor(), name, _list(submit))
        except partners.PartnerError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_INVALID)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        emit_json(data) if as_json else click.echo(
            f"partner {data['name']} may submit {', '.join(data['submit']) or 'nothing'}")

    @partner_group.command("stats")
    @click.option("--minutes", type=click.IntRange(1, 60 * 24 * 31), default=60, show_default=True,
                  help="Over the last this many minutes.")
    @json_option
    def partner_stats(minutes: int, as_json: bool) -> None:
        """Each key's checks, unknown national ids asked about, and 429s (summed over every worker):
        alert on a surge of unknown ids, someone enumerating the registry."""
        setup_django()
        from datetime import timedelta

        from django.utils import timezone

        from muster.measures import services as measures

        since = (timezone.now() - timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        rows = measures.check_stats(actor(), since)
        if as_json:
            emit_json(rows)
        else:
            table([(f"{r['partner'] or '?'} {r['key_id']}", f"{r['checks']} checks, {r['unknown_ids']} unknown ids, "
                                                            f"{r['limited']} refused (429)") for r in rows],
                  title=f"partner checks, last {minutes} min")

    for command, verb, doc in (("rotate-key", "rotate_key", "Issue a new API key; older keys stop working at once."),
                               ("revoke-keys", "revoke_keys", "Revoke every key of the partner (lock it out).")):
        _key_command(partner_group, command, verb, doc)

    @cli.group("webhooks")
    def webhooks_group() -> None:
        """Partners' webhook deliveries: send, dead letters, replay."""

    @webhooks_group.command("send")
    @_now_option
    @json_option
    def webhooks_send(now: datetime | None, as_json: bool) -> None:
        """Publish new measure events to partners' feeds and deliver the webhooks that are due."""
        setup_django()
        from muster.partners import services as partners

        published = partners.publish(actor(), _now(now, as_json))
        counts = {"feed_entries": sum(published.values()), **{k: 0 for k in ("delivered", "retried", "dead")}}
        counts.update(partners.send_webhooks(actor(), _now(now, as_json)))
        emit_json(counts) if as_json else table(list(counts.items()), title="webhooks")

    @webhooks_group.command("dead")
    @click.option("--partner", default=None)
    @json_option
    def webhooks_dead(partner: str | None, as_json: bool) -> None:
        """Deliveries that gave up after MUSTER_WEBHOOK_MAX_ATTEMPTS."""
        setup_django()
        from muster.partners import services as partners

        try:
            rows = partners.dead_letters(actor(), partner)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        emit_json(rows) if as_json else table([(f"{r['partner']} #{r['seq']}", f"{r['type']} after "
                                                f"{r['attempts']} attempts: {r['last_error']}") for r in rows],
                                              title="dead letters")

    @webhooks_group.command("replay")
    @click.option("--partner", default=None, help="Only this partner's dead letters.")
    @_now_option
    @json_option
    def webhooks_replay(partner: str | None, now: datetime | None, as_json: bool) -> None:
        """Queue dead letters again, due now; the next `webhooks send` or worker turn delivers them."""
        setup_django()
        from muster.partners import services as partners

        try:
            count = partners.replay(actor(), _now(now, as_json), partner)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        emit_json({"requeued": count}) if as_json else click.echo(f"{count} delivery(ies) queued again")


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _key_command(group: click.Group, command: str, verb: str, doc: str) -> None:
    @group.command(command, help=doc)
    @click.argument("name")
    @json_option
    def key_command(name: str, as_json: bool) -> None:
        setup_django()
        from muster.partners import services as partners

        try:
            data = getattr(partners, verb)(actor(), name)
        except LookupError as exc:
            fail(str(exc), as_json=as_json, code=EXIT_NOT_FOUND)
        if as_json:
            emit_json(data)
        elif "api_key" in data:
            click.echo(f"new api key for {name} (shown once): {data['api_key']}")
            if data["feed_caught_up"]:
                click.echo(f"{data['feed_caught_up']} event(s) it missed while locked out are on its feed")
        else:
            click.echo(f"revoked {data['revoked']} key(s) of {name}; "
                       f"{data['webhooks_given_up']} queued webhook(s) given up")
