from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import (
    Target,
    TargetExtra,
    TargetGroupObjectPermission,
    TargetList,
    TargetListGroupObjectPermission,
    TargetListUserObjectPermission,
    TargetName,
    TargetUserObjectPermission,
)


class TargetNameInline(admin.TabularInline):
    model = TargetName
    extra = 0
    fields = ("name", "primary")
    readonly_fields = ("primary",)


class TargetExtraInline(admin.TabularInline):
    model = TargetExtra
    extra = 0


@admin.register(Target)
class TargetAdmin(GuardedModelAdmin):
    list_display = ("name", "type", "ra", "dec", "shared_from", "created")
    list_filter = ("type", "scheme", "shared_from")
    search_fields = ("name", "names__name")
    inlines = [TargetNameInline, TargetExtraInline]
    show_full_result_count = False


@admin.register(TargetName)
class TargetNameAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "primary", "target")
    search_fields = ("name", "key")
    raw_id_fields = ("target",)


@admin.register(TargetExtra)
class TargetExtraAdmin(admin.ModelAdmin):
    list_display = ("target", "key", "value")
    search_fields = ("key", "value")
    raw_id_fields = ("target",)


@admin.register(TargetList)
class TargetListAdmin(GuardedModelAdmin):
    list_display = ("name", "created")
    search_fields = ("name",)
    raw_id_fields = ("targets",)


for model in (TargetUserObjectPermission, TargetGroupObjectPermission, TargetListUserObjectPermission,
              TargetListGroupObjectPermission):
    admin.site.register(model, raw_id_fields=("content_object",), list_display=("content_object", "permission"))
