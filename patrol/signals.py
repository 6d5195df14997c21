"""Signals patrol sends so that higher apps can react without patrol importing them."""
from django.dispatch import Signal

# Sent by patrol.services.transition_issue inside its transaction, after the event is written.
# Arguments: issue (the Issue, saved), action (an Action value), actor (the user), event (the IssueEvent).
issue_transitioned = Signal()
