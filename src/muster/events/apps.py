from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "muster.events"
    verbose_name = "Event ledger"
