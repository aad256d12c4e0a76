from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    """The person's messages keep the Django label "dueprocess" they were created under (their tables
    and migration history); the delivery attempts of summonses are labelled "notices"."""

    name = "muster.delivery"
    label = "dueprocess"
    verbose_name = "Deliveries and messages"
