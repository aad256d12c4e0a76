"""The dashboards' counts (muster.casework.dashboard): refreshed set-based by the engine's turn,
so a dashboard reads a few hundred rows and never scans the registry."""

from django.db import models


class Tally(models.Model):
    district = models.CharField(max_length=20)
    topic = models.CharField(max_length=30)  # summons_status, measure_kind, application_status, service_level
    key = models.CharField(max_length=60)
    month = models.DateField(null=True, blank=True)  # the month placed, for summonses by status over time
    people = models.PositiveIntegerField()

    class Meta:
        app_label = "casework"
        indexes = [models.Index(fields=["topic", "district"], name="tally_topic_district")]

    def __str__(self) -> str:
        return f"{self.district} {self.topic} {self.key}: {self.people}"
