from django.contrib import admin

from muster.registry.models import District, Observation, Source


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "office", "daily_capacity", "pack_code")
    search_fields = ("code", "name")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "kind", "observed_at", "reference")
    list_filter = ("kind", "source")

# Person is deliberately not in the admin: every read of a person's record must be
# logged for that person, which the CLI, console and portal do.
