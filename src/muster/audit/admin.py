from django.contrib import admin

from muster.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "actor", "action", "object_type", "purpose")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
