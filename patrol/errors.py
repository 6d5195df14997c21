"""Domain errors (defined in geo.errors, the lowest app, so the input checks of geo.inputs can raise them too)."""
from geo.errors import BadInput, Conflict, DomainError, Forbidden, NotVisible

__all__ = ["BadInput", "Conflict", "DomainError", "Forbidden", "NotVisible"]
