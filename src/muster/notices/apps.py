from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "muster.notices"
    verbose_name = "Campaigns and summonses"
