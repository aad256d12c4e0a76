"""Summonses, and the runs (issue, tick) that place and advance them. Django label "notices"."""

from django.db import models

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
