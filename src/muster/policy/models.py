"""Loaded jurisdiction packs: the last valid text of each file, as it was accepted."""

from django.db import models


class PackRecord(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    source_dir = models.CharField(max_length=500)
    document = models.TextField(help_text="pack.toml as accepted")
    digest = models.CharField(max_length=64, help_text="sha256 over the pack and all its versions")
    loaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "jurisdiction pack"

    def __str__(self) -> str:
        return self.code


class PolicyVersionRecord(models.Model):
    pack = models.ForeignKey(PackRecord, on_delete=models.CASCADE, related_name="versions")
    code = models.CharField(max_length=80, unique=True)
    position = models.PositiveIntegerField()
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    legal_basis = models.TextField()
    source_file = models.CharField(max_length=200)
    document = models.TextField()

    class Meta:
        ordering = ["pack", "position"]
        verbose_name = "policy version"
        constraints = [models.UniqueConstraint(fields=["pack", "position"], name="policy_version_position")]

    def __str__(self) -> str:
        return self.code


class DatabaseMode(models.Model):
    """One row: whether this database is live (its clock is the wall clock) or a simulation (an
    operator may move its clock with --now). Chosen at the first `muster init` and never changed."""

    mode = models.CharField(max_length=10, choices=[("live", "live"), ("simulation", "simulation")])
    chosen_at = models.DateTimeField()
    chosen_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = "database mode"

    def __str__(self) -> str:
        return self.mode


class ClosedTick(models.Model):
    """A tick that ran ahead of the wall clock on a live database, closed by an operator so that
    ticks at the real time may run again. What it did stays (README: "Simulated time")."""

    run_id = models.BigIntegerField(unique=True)
    ran_at = models.DateTimeField(help_text="the clock the closed tick ran at")
    closed_at = models.DateTimeField()
    closed_by = models.CharField(max_length=150)
    reason = models.TextField()

    class Meta:
        verbose_name = "closed run-ahead tick"

    def __str__(self) -> str:
        return f"tick run {self.run_id} at {self.ran_at}"


class StraightThroughSwitch(models.Model):
    """The kill switch of one straight-through rule of a pack (by the rule's code, across the pack's
    versions): a rule is on unless a row says it is off. Each flip is also in the audit trail
    (muster.policy.switches)."""

    pack_code = models.CharField(max_length=40)
    rule = models.CharField(max_length=80)
    switched_on = models.BooleanField()
    changed_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "straight-through switch"
        constraints = [models.UniqueConstraint(fields=["pack_code", "rule"], name="stp_switch_rule")]

    def __str__(self) -> str:
        return f"{self.pack_code}/{self.rule} {'on' if self.switched_on else 'off'}"
