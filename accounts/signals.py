"""What accounts asks higher apps without importing them: a higher app connects a receiver in its
AppConfig.ready(); every receiver takes `sender` and `**kwargs`."""
from django.dispatch import Signal

# sender=User; code: an operator account (role operator) is about to be created or updated for the company
# `code` (already known to be non-empty). A receiver returns nothing when the company exists and raises a
# django.core.exceptions.ValidationError when not (the facilities app, which keeps the companies). No receiver
# (facilities not installed): refused, operator accounts need it.
operator_account = Signal()
