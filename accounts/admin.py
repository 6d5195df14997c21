from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class PatrolUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "role", "area_code", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("岗位与区域", {"fields": ("role", "area_code")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("岗位与区域", {"fields": ("role", "area_code")}),)
