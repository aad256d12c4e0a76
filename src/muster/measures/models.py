"""Measures the law attaches to a summons (exit ban, driving ban, ...)."""

from django.db import models

from muster.rules.vocabulary import MeasureStatus, choices


class LegalBasis(models.Model):
    """The text of a legal basis, stored once and named by every measure that rests on it.

    A policy version gives each measure kind its legal basis; a campaign applies it to a
    million people. Kept as a row of its own, the text is as it was when the measure was
    applied (a later edit of a policy file makes a new row, not a changed one), and the
    measures and their ledger events stay narrow."""

    text = models.TextField(unique=True)

    class Meta:
        verbose_name_plural = "legal bases"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def ids_for(cls, texts: list[str]) -> dict[str, int]:
        """The row of each text, created if new (safe against a concurrent writer)."""
        wanted = set(texts)
        cls.objects.bulk_create([cls(text=t) for t in sorted(wanted)], ignore_conflicts=True)
        return dict(cls.objects.filter(text__in=wanted).values_list("text", "id"))


class Measure(models.Model):
    # A person's measures are found through their summonses (summons_person, then
    # one_measure_kind_per_summons): an index on the person here would cost every batch of a
    # million measures a sixth of its time and spare the reader nothing it needs.
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="measures")
    summons = models.ForeignKey("notices.Summons", on_delete=models.PROTECT, db_constraint=False,
                                db_index=False, related_name="measures")
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=choices(MeasureStatus))
    # Legal bases are never deleted (PROTECT through the ORM); no per-row check at commit.
    basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, db_constraint=False, db_index=False,
                              related_name="+")
    effective_from = models.DateField()
    lifted_on = models.DateField(null=True, blank=True)
    lift_reason = models.CharField(max_length=200, blank=True)
    # What changed the measure, as `by` names it ("summons:0000001234", "appeal:P-0000012"), why
    # and on which day (muster.measures.suspension). The row keeps the last suspension and
    # reinstatement; the ledger keeps every one. Database defaults, so the set-based inserts
    # (muster.measures.applying) need not name these columns.
    lifted_by = models.CharField(max_length=80, blank=True, default="", db_default="")
    suspended_on = models.DateField(null=True, blank=True)
    suspended_by = models.CharField(max_length=80, blank=True, default="", db_default="")
    suspend_reason = models.CharField(max_length=200, blank=True, default="", db_default="")
    reinstated_on = models.DateField(null=True, blank=True)
    reinstated_by = models.CharField(max_length=80, blank=True, default="", db_default="")
    reinstate_reason = models.CharField(max_length=200, blank=True, default="", db_default="")
    policy_version = models.CharField(max_length=80)
    created_run = models.BigIntegerField(null=True, blank=True)  # the issue or tick run that applied it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["summons", "kind"], name="one_measure_kind_per_summons")]
        # The officers' sign-off queue: small, and empty for kinds that need no sign-off.
        indexes = [models.Index(fields=["effective_from", "id"], name="measure_pending",
                                condition=models.Q(status=MeasureStatus.PENDING))]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"

    @property
    def legal_basis(self) -> str:
        return self.basis.text


class CheckCount(models.Model):
    """How one partner key used the check in one minute, summed over every server worker: what
    operators alert on (a surge of unknown ids is someone enumerating the registry). Written by
    muster.measures.limits about once a second; read by `muster partner stats`."""

    key_id = models.CharField(max_length=16)  # the public part of the key (partners_apikey.key_id)
    minute = models.DateTimeField()  # the minute's start
    checks = models.BigIntegerField(default=0)  # answered
    unknown_ids = models.BigIntegerField(default=0)  # answered for a national id the registry does not hold
    limited = models.BigIntegerField(default=0)  # refused with 429

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "minute"], name="check_count_key_minute")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.minute:%Y-%m-%d %H:%M}: {self.checks}"
