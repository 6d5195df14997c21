"""Give folium's generated <script> tags the page's Content-Security-Policy nonce (no 'unsafe-inline')."""
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def with_nonce(html, nonce):
    """Every <script> tag in `html` — markup built by layers.maps from our own code, never user input as
    markup — carries the nonce."""
    return mark_safe(re.sub(r"<script\b", f'<script nonce="{escape(nonce)}"', str(html)))
