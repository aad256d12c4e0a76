from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "muster.interfaces.portal"
    label = "portal"
    verbose_name = "Citizen portal"
