"""What patrol tells higher apps (notifications, supervision orders …) without importing them.

Every signal is sent by patrol.services inside the transaction that made the change, so a receiver's writes
(an inbox row, a queued delivery, a drafted order) commit or roll back together with it. Receivers connect in
their AppConfig.ready() and must stay quick: anything slow (HTTP, mail) goes to a queue, never inline.
"""
from django.dispatch import Signal

# issue, event, user: a problem was reported (its first event).
issue_reported = Signal()
# issue, event, action, user: a step of the loop (assign, submit, verify, reject, reopen, supervise, release).
issue_transitioned = Signal()
# issue, event, today, days: escalate_overdue raised red supervision for an overdue problem.
issue_escalated = Signal()
# month, samples (list of ReinspectionSample): the month's re-inspection sample was drawn.
reinspection_drawn = Signal()

# Callables a higher app registers in its AppConfig.ready(): guard(issue) → a reason (str) why district staff
# may not release the issue's red supervision by hand (e.g. an open supervision order holds it), or None.
release_guards = []
