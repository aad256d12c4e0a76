"""Measures the law attaches to a summons (exit ban, driving ban, ...)."""

from django.db import models


class Measure(models.Model):
    # Indexed by the composite indexes below (person first, summons first), not on their own.
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, db_constraint=False,
                               db_index=False, related_name="measures")
    summons = models.ForeignKey("notices.Summons", on_delete=models.PROTECT, db_constraint=False,
                                db_index=False, related_name="measures")
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=12)  # pending (officer sign-off) | active | suspended | lifted
    legal_basis = models.TextField()
    effective_from = models.DateField()
    lifted_on = models.DateField(null=True, blank=True)
    lift_reason = models.CharField(max_length=200, blank=True)
    policy_version = models.CharField(max_length=80)
    created_run = models.BigIntegerField(null=True, blank=True)  # the issue or tick run that applied it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["summons", "kind"], name="one_measure_kind_per_summons")]
        indexes = [models.Index(fields=["person", "status"], name="measure_person_status")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"
