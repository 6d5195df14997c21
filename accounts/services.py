"""Creating accounts (used by add_user, the demo set-up and tests)."""
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from . import signals
from .models import Role, User


def add_user(username, role, area_code, password, name="", operator="", password_hash=None):
    """Create or update a user with a role and an area (an `operator` with its company's code instead);
    refuses unknown roles, areas and companies. `password_hash`: make_password(password) done once by a caller
    creating several accounts with one password (each hash costs ~0.5 s)."""
    if role not in Role.values:
        raise ValidationError(f"未知角色 {role!r}，可选：{', '.join(Role.values)}")
    if role == Role.OPERATOR:
        _check_operator(operator)
        area_code = ""  # a company is scoped to the facilities it runs, not to an area
    elif operator:
        raise ValidationError("只有服务运营公司账号（--role operator）可以指定 --operator")
    elif not area_code and role != Role.ADMIN:
        raise ValidationError("请用 --area 指定所属区域代码")
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role, user.area_code, user.operator_code = role, area_code, operator if role == Role.OPERATOR else ""
    if name:
        user.first_name = name
    user.is_staff = role in (Role.ADMIN, Role.DISTRICT)
    user.is_superuser = role == Role.ADMIN
    user.full_clean(exclude=["password"])
    validate_password(password, user)  # Django's validators (settings.AUTH_PASSWORD_VALIDATORS)
    if password_hash is None:
        user.set_password(password)
    else:
        user.password = password_hash
    user.save()
    return user


def _check_operator(code):
    """The company must exist: asked through signals.operator_account (facilities keeps the companies and sits
    above accounts)."""
    if not code:
        raise ValidationError("服务运营公司账号需要 --operator 公司代码")
    if not signals.operator_account.has_listeners(User):
        raise ValidationError("未安装 facilities 应用，不能创建服务运营公司账号")
    signals.operator_account.send(User, code=code)
