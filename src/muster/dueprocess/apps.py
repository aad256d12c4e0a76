from django.apps import AppConfig


class DueprocessConfig(AppConfig):
    name = "muster.dueprocess"
    verbose_name = "Due process"
