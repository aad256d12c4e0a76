"""One turn of the time engine: each area's batch step, in order.

`muster tick` and `muster worker` run this:
0. campaigns: an issue run a crash left unfinished is completed first, so no later step meets a
   summons without its deliveries, measures and events;
1. summonses: the tick (postings, service, missed, the measures they start and their events) in
   one transaction, or on PostgreSQL in id-range shards, each shard its own transaction;
1b. casework: open applications past their due date marked overdue, and people reminded 30 days
   before a deferment ends (muster.casework.tick);
1c. casework: the partners' register facts through straight-through processing, decided by
   system:stp (muster.casework.stp) before the notices, so a deferment cancels a summons before
   its notice goes out;
2. delivery: the email and SMS notices the tick queued;
3. partners: the new measure events fanned out to partners' feeds;
4. partners: the webhooks that are due (before the emails: a lift reaches the agencies at once);
5. delivery: the people's messages about those events, then their emails;
5b. casework: the dashboards' counts recounted set-based (muster.casework.dashboard);
6. audit: the access log's new rows sealed into the audit chain, and a signed checkpoint of its head.
Each step is state-driven and safe to repeat, so a crash between steps only leaves work for the
next turn.
"""

from __future__ import annotations

from datetime import datetime

from muster.audit import services as audit
from muster.campaigns import issuing
from muster.casework import dashboard
from muster.casework import stp as straight_through
from muster.casework import tick as casework
from muster.delivery import messages as notify
from muster.delivery import notices
from muster.kernel.actor import Actor
from muster.partners import feed, webhooks
from muster.summons import tick
from muster.summons.tick import TickError

OUTBOX_KEYS = ("feed_entries", "messages", "message_email_sent", "message_email_retried",
               "message_email_failed", "webhooks_delivered", "webhooks_retried", "webhooks_dead")


def turn(now: datetime, *, actor: Actor, send: bool = True) -> dict[str, int]:
    completed = issuing.complete_unfinished(actor)
    counts = tick.tick(now, actor=actor)
    counts["issue_runs_completed"] = len(completed)
    counts.update(casework.step(now))
    counts.update(straight_through.step(now, actor))
    if send:
        counts.update(notices.send_due(now))
    counts.update(dict.fromkeys(OUTBOX_KEYS, 0))
    counts["feed_entries"] = sum(feed.publish(now).values())
    if send:
        # Partners before people's emails: a lift must reach the agencies enforcing it at once, and a
        # backlog of emails (thousands of messages after a campaign) must not hold it up.
        hooks = webhooks.send_due(now)
        counts["webhooks_delivered"] = hooks["delivered"]
        counts["webhooks_retried"] = hooks["retried"]
        counts["webhooks_dead"] = hooks["dead"]
    counts["messages"] = notify.make_messages(now)
    if send:
        counts.update(notify.send_due(now))
    counts.update(dashboard.step(now))
    audit.seal_and_publish(now)
    return counts


__all__ = ["OUTBOX_KEYS", "TickError", "turn"]
