from django.contrib import admin

from .models import Delivery, PersistentShare, ShareRecord


@admin.register(ShareRecord)
class ShareRecordAdmin(admin.ModelAdmin):
    list_display = ("created", "target", "destination", "user", "what", "outcome", "created_count", "existing_count",
                    "failed_count")
    list_filter = ("outcome", "destination")
    raw_id_fields = ("target", "user")
    readonly_fields = [f.name for f in ShareRecord._meta.fields]


@admin.register(PersistentShare)
class PersistentShareAdmin(admin.ModelAdmin):
    list_display = ("target", "destination", "topic", "user", "created", "enabled", "paused_reason", "last_delivery",
                    "sent_count", "skipped_count", "failed_count", "retry_at", "last_error")
    list_filter = ("destination", "enabled")
    raw_id_fields = ("target", "user")
    readonly_fields = ("peer_name", "peer_id", "paused_reason", "paused_at", "last_delivery", "last_error", "retry_at",
                       "failures_in_a_row", "sent_count", "skipped_count", "failed_count")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "share", "status", "attempts", "created", "finished", "sent_count", "skipped_count",
                    "last_error")
    list_filter = ("status",)
    raw_id_fields = ("share", "ingest", "record")
