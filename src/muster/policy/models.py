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
