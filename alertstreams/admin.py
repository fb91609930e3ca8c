from django.contrib import admin

from .models import DeadLetter, IngestedMessage


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("created", "stream", "topic", "partition", "offset", "message_id", "attempts")
    list_filter = ("stream", "topic")
    search_fields = ("message_id", "topic", "error")
    readonly_fields = ("stream", "topic", "partition", "offset", "message_id", "headers", "handler", "error",
                       "attempts", "created", "message")
    exclude = ("value",)

    @admin.display(description="Message")
    def message(self, obj: DeadLetter) -> str:
        return obj.value_text(20000)


@admin.register(IngestedMessage)
class IngestedMessageAdmin(admin.ModelAdmin):
    list_display = ("created", "topic", "message_id")
    search_fields = ("message_id", "topic")
    readonly_fields = ("message_id", "topic", "created")
