from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "muster.policy"
    verbose_name = "Jurisdiction packs and policy versions"
