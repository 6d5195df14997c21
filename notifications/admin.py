from django.contrib import admin

from .models import Channel, Delivery, Notification, Preference


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["area_code", "kind", "target", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "state", "attempts", "next_at", "sent_at", "last_error"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "text", "created", "read_at"]
    list_filter = ["kind"]


admin.site.register(Preference)
