from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "muster.registry"
    verbose_name = "Registry"
