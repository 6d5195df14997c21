from django.contrib import admin

from core.recordadmin import RecordAdmin

from .models import Order, OrderEvent, OrderProblem


class ProblemInline(admin.TabularInline):
    model = OrderProblem
    raw_id_fields = ["issue"]
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "state", "addressee_name", "deadline", "issued_at"]
    list_filter = ["state"]
    search_fields = ["number", "addressee_name", "addressee_code"]
    readonly_fields = ["number", "year", "seq", "state", "issuer", "issued_at", "closed_at"]
    inlines = [ProblemInline]


@admin.register(OrderEvent)
class OrderEventAdmin(RecordAdmin):
    list_display = ["order", "action", "from_state", "to_state", "actor", "at"]
