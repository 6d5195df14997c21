"""The navigation bar per role: a link appears only for the roles that may open the page and do something there.

Workbench sits above the apps whose pages it links, so the one list of links lives here; the base layout reads it
through the `nav` context processor. tests/workbench/test_navigation_browser.py walks every role's links and
expects each to answer 200 for that role.
"""
from django.urls import reverse

from accounts.models import Role as R

EVERYONE = frozenset(R.values)
FIELD = frozenset({R.INSPECTOR, R.VILLAGE, R.TOWN, R.DISTRICT, R.SUPERVISOR, R.LEADER, R.ADMIN})
OFFICE = frozenset({R.TOWN, R.DISTRICT, R.LEADER, R.ADMIN})

# (group, label, url name, roles). A group of one link is drawn as a plain link, others as a dropdown.
LINKS = [
    ("工作台", "工作台", "workbench:home", EVERYONE),
    ("问题", "问题清单", "patrol:issue-list", FIELD),
    ("问题", "挂图作战", "layers:battle-map", FIELD),
    ("问题", "热力图", "layers:heatmap", OFFICE | {R.SUPERVISOR}),
    ("问题", "批量导入", "patrol:issue-import", frozenset({R.INSPECTOR, R.VILLAGE, R.TOWN, R.DISTRICT, R.ADMIN})),
    ("问题", "移动端", "mobile:app", frozenset({R.INSPECTOR, R.VILLAGE, R.TOWN, R.DISTRICT})),
    ("问题", "登记已拆除", "patrol:issue-demolished", frozenset({R.TOWN, R.DISTRICT, R.ADMIN})),
    ("督办", "红色督办单", "supervision:order-list",
     frozenset({R.DISTRICT, R.SUPERVISOR, R.TOWN, R.VILLAGE, R.LEADER, R.ADMIN})),
    ("督办", "巡查路线", "planning:patrols", frozenset({R.INSPECTOR, R.SUPERVISOR, R.TOWN, R.DISTRICT, R.ADMIN})),
    ("专项与任务", "专项行动", "campaigns:campaign-list", OFFICE | {R.VILLAGE}),
    ("专项与任务", "新建专项行动", "campaigns:campaign-new", frozenset({R.TOWN, R.DISTRICT, R.ADMIN})),
    ("专项与任务", "年度任务", "campaigns:task-map", OFFICE),
    ("考核", "考核排名", "assessment:assessment", OFFICE | {R.SUPERVISOR}),
    ("考核", "党建共同体", "assessment:communities", frozenset({R.DISTRICT})),
    ("考核", "服务公司考核", "facilities:score-page", OFFICE | {R.VILLAGE, R.OPERATOR}),
    ("考核", "积分制", "households:supervision", frozenset({R.VILLAGE, R.TOWN, R.DISTRICT, R.ADMIN})),
    ("农户积分", "农户登记", "households:register", frozenset({R.VILLAGE, R.TOWN})),
    ("农户积分", "积分兑换", "households:redeem-page", frozenset({R.VILLAGE})),
    ("农户积分", "积分细则与物品", "households:rules-page", frozenset({R.VILLAGE, R.TOWN, R.DISTRICT})),
    ("设施", "设施工单", "facilities:workorder-list", frozenset({R.OPERATOR, R.VILLAGE, R.TOWN, R.DISTRICT, R.ADMIN})),
    ("设施", "设施登记", "facilities:facility-list", frozenset({R.OPERATOR, R.TOWN, R.DISTRICT, R.ADMIN})),
    ("设施", "黑臭水体清单", "waterbodies:page", FIELD),
]


def may_use_admin(user):
    return user.is_active and user.is_staff


def links_for(user):
    """[(group, [(label, url)])] in the bar's order for a signed-in user; a superuser sees every page."""
    groups = {}
    for group, label, name, roles in LINKS:
        if user.is_superuser or user.role in roles:
            groups.setdefault(group, []).append((label, reverse(name)))
    return list(groups.items())


def nav(request):
    """Context processor: `nav_groups` and `nav_admin` for the base layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_groups": links_for(user), "nav_admin": reverse("admin:index") if may_use_admin(user) else None}
