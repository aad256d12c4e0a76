from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "muster.accounts"
    verbose_name = "Accounts"
