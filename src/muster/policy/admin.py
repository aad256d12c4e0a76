from django.contrib import admin

from muster.policy.models import PackRecord, PolicyVersionRecord


class VersionInline(admin.TabularInline):
    model = PolicyVersionRecord
    fields = ("position", "code", "effective_from", "effective_until", "source_file")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PackRecord)
class PackAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "loaded_at")
    readonly_fields = ("code", "name", "source_dir", "digest", "loaded_at", "document")
    inlines = [VersionInline]
