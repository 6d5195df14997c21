"""The admin of a record table (ops.dbroles.RECORD_TABLES): read it, never add, change or delete a row there.

Records change only through their service (a correction, a reopening, a reversal), which writes a new row, so the
admin offers nothing else; the database refuses it anyway (ops/migrations/0001_record_tables_append_only.py).
"""
from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
