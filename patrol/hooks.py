"""Hooks a higher app fills in its AppConfig.ready(), so patrol can ask it something without importing it.

Campaigns (campaigns/, issue 12) register two functions here:

- `check_campaign(user, campaign_id, town_id, village_id)`: may this report be tagged to that campaign? Returns
  nothing, raises a DomainError (unknown campaign 400, not the caller's 404, place outside the campaign's area 400).
- `campaign_closed_issues(campaign_id)`: a queryset of the campaign's closed Issue rows (for its 回头看 sample);
  raises a DomainError for an unknown campaign.

A problem's tag is a plain nullable column (Issue.campaign, no foreign key): patrol stores and filters it, and
only the campaigns app knows what a campaign is. Without the campaigns app installed, tagging is refused.
"""
from core.errors import BadInput

_hooks = {}


def register(name, func):
    _hooks[name] = func


def call(name, *args, **kwargs):
    func = _hooks.get(name)
    if func is None:
        raise BadInput("专项行动功能未启用", field="campaign")
    return func(*args, **kwargs)
