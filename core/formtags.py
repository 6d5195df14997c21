"""Template tags of the page forms (registered as the `pageforms` library in settings.TEMPLATES)."""
from django import template
from django.utils.html import format_html

from .once import FIELD, new_token

register = template.Library()


@register.simple_tag
def form_token():
    """The hidden one-time token of a write form (core.once): a form sent twice acts once."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
