from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "muster.casework"
    label = "casework"
    verbose_name = "Casework: applications, decisions, appeals"
