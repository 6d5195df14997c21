"""What supervision tells higher apps (notifications): sent inside the transaction that changed the order."""
from django.dispatch import Signal

# order, event, user: the order was issued / answered / returned / closed.
order_issued = Signal()
order_answered = Signal()
order_returned = Signal()
order_closed = Signal()
