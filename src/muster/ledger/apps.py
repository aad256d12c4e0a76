from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The ledger keeps the Django label "events" it was created under (its table and migrations)."""

    name = "muster.ledger"
    label = "events"
    verbose_name = "Event ledger"
