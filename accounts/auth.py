"""API token authentication: django-rest-knox, without its per-request sweep of the user's other tokens.

knox's TokenAuthentication reads every token of the user on every request to delete expired ones (one more
query per API call). Here a request checks only its own token's expiry; the user's expired tokens are swept when
a new token is issued (accounts.views.TokenView), which is when their number grows.
"""
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


def sweep_expired(user):
    """Delete the user's expired tokens (at login, before a new one is added)."""
    user.auth_token_set.filter(expiry__lt=timezone.now()).delete()
