from django.contrib import admin

from .models import ShareRecord


@admin.register(ShareRecord)
class ShareRecordAdmin(admin.ModelAdmin):
    list_display = ("created", "target", "destination", "user", "what", "outcome", "created_count", "existing_count",
                    "failed_count")
    list_filter = ("outcome", "destination")
    raw_id_fields = ("target", "user")
    readonly_fields = [f.name for f in ShareRecord._meta.fields]
