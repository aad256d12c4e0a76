from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "muster.audit"
    verbose_name = "Audit trail"
