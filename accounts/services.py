"""Creating accounts (used by add_user, the demo set-up and tests)."""
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from .models import Role, User


def add_user(username, role, area_code, password, name=""):
    """Create or update a user with a role and an area; refuses unknown roles and areas."""
    if role not in Role.values:
        raise ValidationError(f"未知角色 {role!r}，可选：{', '.join(Role.values)}")
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.area_code = role, area_code
    if name:
        user.first_name = name
    user.is_staff = role in (Role.ADMIN, Role.DISTRICT)
    user.is_superuser = role == Role.ADMIN
    user.full_clean(exclude=["password"])
    validate_password(password, user)  # Django's validators (settings.AUTH_PASSWORD_VALIDATORS)
    user.set_password(password)
    user.save()
    return user
