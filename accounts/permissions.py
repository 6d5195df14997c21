"""API permission: leaders (区领导 / 街镇主要领导) read; they change nothing but their own inbox and settings."""
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import Role


class ReadOnlyForLeaders(BasePermission):
    message = "领导角色为只读，不能修改数据"

    def has_permission(self, request, view):
        if getattr(request.user, "role", None) != Role.LEADER or request.method in SAFE_METHODS:
            return True
        return getattr(view, "leader_may_write", False)
