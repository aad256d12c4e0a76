"""Campaigns: who is called, where, when and in what numbers.

The models keep the Django label "notices" (their tables and migration history); this module
also imports the other models of that label so that Django registers them with the app."""

from django.db import models

from muster.delivery.models import Delivery, DeliveryEvent, PrintBatch
from muster.rules.vocabulary import Purpose, choices
from muster.summons.models import Run, Summons

__all__ = ["Campaign", "CampaignDistrict", "Delivery", "DeliveryEvent", "PrintBatch", "Run", "Summons"]


class Campaign(models.Model):
    code = models.CharField(max_length=40, unique=True)
    purpose = models.CharField(max_length=30, choices=choices(Purpose))
    pack_code = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=80, help_text="in force when the campaign was created")
    place = models.CharField(max_length=300)
    appear_from = models.DateField()
    appear_to = models.DateField()
    appear_time = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)


    class Meta:
        app_label = "notices"

    def __str__(self) -> str:
        return self.code


class CampaignDistrict(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="districts")
    district = models.CharField(max_length=20)
    quota = models.PositiveIntegerField()

    class Meta:
        app_label = "notices"
        constraints = [models.UniqueConstraint(fields=["campaign", "district"], name="campaign_district_once")]

    def __str__(self) -> str:
        return f"{self.campaign}:{self.district}"
