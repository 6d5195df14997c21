"""Connected in HouseholdsConfig.ready(): patrol tells us about transitions without importing this app."""


def on_issue_transitioned(sender, issue, action, user, event=None, **kwargs):
    from .services import on_issue_transitioned as charge

    charge(issue=issue, action=action, actor=user, event=event)


def issue_panel(sender, request, issue, **kwargs):
    from .village_pages import issue_panel as panel

    return panel(request=request, issue=issue)
