from django.contrib import admin

from .models import DataProduct, Ingest, ReducedDatum


@admin.register(DataProduct)
class DataProductAdmin(admin.ModelAdmin):
    list_display = ("__str__", "target", "data_product_type", "featured", "created")
    list_filter = ("data_product_type", "featured")
    search_fields = ("product_id", "data", "target__name")
    raw_id_fields = ("target", "uploaded_by")
    readonly_fields = ("sha256",)


@admin.register(Ingest)
class IngestAdmin(admin.ModelAdmin):
    list_display = ("id", "origin", "user", "received_from", "claimed_tom_id", "stream_message", "created")
    list_filter = ("origin",)
    raw_id_fields = ("user", "data_product")


@admin.register(ReducedDatum)
class ReducedDatumAdmin(admin.ModelAdmin):
    list_display = ("target", "data_type", "timestamp", "bandpass", "brightness", "limit", "source_name")
    list_filter = ("data_type",)
    search_fields = ("target__name", "source_name", "bandpass")
    raw_id_fields = ("target", "data_product", "ingest")
    readonly_fields = ("fingerprint",)
    show_full_result_count = False
