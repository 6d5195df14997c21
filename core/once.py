"""A page form sent twice (a double click, a resent POST after a slow answer) acts once.

Each write form carries a random `form_token` (the `form_token` tag of core's template library renders it). The
first POST with a token claims it in the shared database cache (an atomic insert: two workers racing on the same
token cannot both win); a later POST with the same token finds it claimed and the page only says it was done.
"""
import secrets

from django.core.cache import caches

FIELD = "form_token"
TTL_SECONDS = 24 * 3600


def new_token():
    return secrets.token_urlsafe(16)


def first_submit(request):
    """True for the first POST of this form (by this user); False for a repeat. A POST without a token (an older
    page, a script) is let through: the services' own state checks still stand."""
    token = request.POST.get(FIELD, "")
    if not token:
        return True
    if len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
        return True
    user = getattr(request.user, "pk", None) or "anon"
    return caches["shared"].add(f"form-token:{user}:{token}", 1, TTL_SECONDS)


def repeated(request, to, message="这一操作已经提交过，未重复执行", **kwargs):
    """The answer to a repeated form (first_submit was False): say so, and go where the first one went (`to` and
    `kwargs` as django.shortcuts.redirect takes them)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.info(request, message)
    return redirect(to, **kwargs)
