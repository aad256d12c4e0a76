from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "muster.partners"
    verbose_name = "Partners"
