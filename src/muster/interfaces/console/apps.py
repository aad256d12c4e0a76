from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The officer console at /console/: its own templates, static files and translations."""

    name = "muster.interfaces.console"
    label = "console"
    verbose_name = "Officer console"
