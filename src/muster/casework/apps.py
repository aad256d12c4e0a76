from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "muster.casework"
    label = "casework"
    verbose_name = "Casework: applications, decisions, appeals"

    def ready(self) -> None:
        """An open appeal that suspends the call-up decision holds its summons: the tick (a lower
        layer, which cannot import casework) is given the condition."""
        from muster.casework.appeal_models import HELD_BY_APPEAL
        from muster.summons import tick

        tick.hold_while(HELD_BY_APPEAL)
