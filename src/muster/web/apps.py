from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "muster.web"
    verbose_name = "Web pages"
