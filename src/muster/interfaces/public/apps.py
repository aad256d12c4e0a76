from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "muster.interfaces.public"
    label = "public"
    verbose_name = "Public pages"
