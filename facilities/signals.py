"""What facilities tells higher apps (notifications): sent inside the transaction that changed the order."""
from django.dispatch import Signal

# order: a villager's scan opened a new work order for the facility's service company (a merged report opens none).
work_order_opened = Signal()
