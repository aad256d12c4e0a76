from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "muster.api"
    verbose_name = "Partner API"
