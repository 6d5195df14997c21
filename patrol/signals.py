"""What patrol tells higher apps (notifications, supervision orders, campaigns …) without importing them.

The one way a higher app hears from patrol: it connects a receiver to one of these signals in its
AppConfig.ready(). Every receiver takes `sender` (the model class named below) and `**kwargs`.

Events (sent by patrol.services inside the transaction that made the change, so a receiver's writes — an inbox
row, a queued delivery, a drafted order — commit or roll back together with it; the return value is ignored).
Receivers must stay quick: anything slow (HTTP, mail) goes to a queue, never inline.

Questions (sent before patrol acts; a receiver answers by returning a value or refuses by raising a DomainError,
like a pre_save receiver; patrol.services reads the answers of `send()`).
"""
from django.dispatch import Signal

# --- events -----------------------------------------------------------------------------------------------------

# sender=Issue; issue, event, user: a problem was reported (its first event).
issue_reported = Signal()
# sender=Issue; issue, event, action, user: a step of the loop (assign, submit, verify, reject, reopen, supervise,
# release).
issue_transitioned = Signal()
# sender=Issue; issue, event, today, days: escalate_overdue raised red supervision for an overdue problem.
issue_escalated = Signal()
# sender=ReinspectionSample; month, samples (list of ReinspectionSample): the month's re-inspection sample was drawn.
reinspection_drawn = Signal()

# --- questions --------------------------------------------------------------------------------------------------

# sender=Issue; user, campaign (an id), town_id, village_id: a report is about to be tagged to a campaign
# (Issue.campaign, a plain column: only the campaigns app knows what a campaign is). A receiver returns nothing
# when the tag may stand, and raises a DomainError when not (unknown campaign 400, not the user's 404, place
# outside the campaign's area 400). No receiver (campaigns not installed): refused, 400 "专项行动功能未启用".
campaign_tagging = Signal()
# sender=ReinspectionSample; campaign (an id): a campaign's 回头看 sample is about to be drawn. A receiver returns a
# queryset of the campaign's closed Issue rows to draw from, or raises a DomainError (unknown campaign 400).
# No receiver (campaigns not installed): refused, 400 "专项行动功能未启用".
campaign_sampling = Signal()
# sender=Issue; issue: district staff are about to release the issue's red supervision by hand. A receiver returns
# a reason (str) why they may not (supervision: an open order holds it), or None; the first reason refuses (409).
supervision_releasing = Signal()
# sender=Issue; request, issue: a problem's page (/issues/<id>/) is being drawn. A receiver returns the HTML of a
# panel of its own (a SafeString; households: 关联农户) or None; the panels are shown after the problem's facts.
issue_page_panels = Signal()
