from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Campaigns, summonses and deliveries keep the Django label "notices" they were created under:
    it names their tables and their migration history (docs/architecture.md)."""

    name = "muster.campaigns"
    label = "notices"
    verbose_name = "Campaigns and summonses"
