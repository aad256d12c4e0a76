"""Summonses, and the runs (issue, tick) that place and advance them. Django label "notices"."""

from __future__ import annotations

from typing import Any

from django.db import models

from muster.kernel import db as sql
from muster.rules.notice_numbers import summons_number
from muster.rules.vocabulary import RunKind, SummonsStatus, choices


class Run(models.Model):
    """One run of `campaign issue` or `tick`: what it did, and the clock it ran at."""

    kind = models.CharField(max_length=10, choices=choices(RunKind))
    now = models.DateTimeField()
    campaign = models.ForeignKey("notices.Campaign", null=True, blank=True, on_delete=models.PROTECT)
    counts = models.JSONField(default=dict)
    actor = models.CharField(max_length=150)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "notices"
        indexes = [models.Index(fields=["kind", "now"], name="run_kind_now")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.now}"


def incomplete_issues() -> list[tuple[int, list[sql.Shard]]]:
    """(run id, the id ranges of its shards not yet written) for every issue run a crash left
    unfinished. A sharded issue commits its summonses first and their deliveries, measures and
    events shard by shard (muster.campaigns.issuing): until its shard is done a summons is
    incomplete, and nothing may read or act on it."""
    found = []
    for run_id, counts in Run.objects.filter(kind=RunKind.ISSUE, finished_at__isnull=True).values_list("id", "counts"):
        shards = sql.shards_from(list(counts.get("cuts", [])))
        left = [shard for k, shard in enumerate(shards) if f"shard{k}" not in counts]
        if left:
            found.append((int(run_id), left))
    return found


def incomplete_sql(alias: str = "s") -> str:
    """An SQL condition true for the incomplete summonses (`alias` names notices_summons)."""
    runs = []
    for run_id, shards in incomplete_issues():
        ranges = " OR ".join(f"(1 = 1{sql.shard_filter(f'{alias}.id', shard)})" for shard in shards)
        runs.append(f"({alias}.issue_run = {run_id} AND ({ranges}))")
    return "(" + (" OR ".join(runs) or "1 = 0") + ")"


def _incomplete_q() -> models.Q | None:
    """The same as a filter of the ORM, None when every issue run is complete."""
    found = None
    for run_id, shards in incomplete_issues():
        ranges = models.Q()
        for low, high in shards:
            one = models.Q()
            if low is not None:
                one &= models.Q(id__gte=low)
            if high is not None:
                one &= models.Q(id__lt=high)
            ranges |= one
        this = models.Q(issue_run=run_id) & ranges
        found = this if found is None else found | this
    return found


class CompleteSummonses(models.Manager["Summons"]):
    """The summonses every reader sees: those of an issue run not yet complete are left out, so
    nobody reads, counts or acts on a summons before its deliveries and measures exist."""

    def get_queryset(self) -> models.QuerySet[Summons]:
        queryset = super().get_queryset()
        incomplete = _incomplete_q()
        return queryset if incomplete is None else queryset.exclude(incomplete)


class Summons(models.Model):
    """A summons. Its number is derived from its id (the id followed by two ISO 7064 check
    digits), so it is never stored and never needs a second write."""

    # No database-level foreign keys on the rows the batches write by the million (a deferred check per
    # row at commit cost more than the insert): the set-based statements take the ids from the rows they
    # join, and the ORM still protects on delete. No single-column indexes that a composite one covers.
    campaign = models.ForeignKey("notices.Campaign", on_delete=models.PROTECT, related_name="summonses",
                                 db_constraint=False, db_index=False)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="summonses",
                               db_constraint=False, db_index=False)
    district = models.CharField(max_length=20)
    placed_at = models.DateTimeField()
    placed_on = models.DateField()
    appearance_date = models.DateField()
    status = models.CharField(max_length=12, choices=choices(SummonsStatus))
    served_on = models.DateField(null=True, blank=True)
    served_how = models.CharField(max_length=40, blank=True)
    served_evidence = models.TextField(blank=True)
    missed_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    policy_version = models.CharField(max_length=80)
    issue_run = models.BigIntegerField()
    changed_run = models.BigIntegerField(null=True, blank=True)  # the tick that last changed its status

    objects = CompleteSummonses()  # the default: complete summonses only
    everything: Any = models.Manager()  # with those of unfinished issue runs (for the runs themselves)

    class Meta:
        app_label = "notices"
        verbose_name_plural = "summonses"
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="one_summons_per_campaign")]
        # The engine looks up open summonses only; a summons that closes or is missed leaves this
        # index rather than taking a new entry in it.
        indexes = [models.Index(fields=["status", "appearance_date"], name="summons_open",
                                condition=models.Q(status__in=["placed", "served"])),
                   models.Index(fields=["issue_run"], name="summons_issue_run"),
                   models.Index(fields=["changed_run"], name="summons_changed_run",
                                condition=models.Q(changed_run__isnull=False)),
                   models.Index(fields=["person"], name="summons_person")]

    def __str__(self) -> str:
        return f"summons {self.number}"

    @property
    def number(self) -> int:
        return summons_number(self.pk)
