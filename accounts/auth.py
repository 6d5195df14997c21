"""API token authentication: django-rest-knox, with its token lookup made cheaper.

- knox's TokenAuthentication reads every token of the user on every request to delete expired ones (one more
  query per API call). Here a request checks only its own token's expiry; the user's expired tokens are swept
  when a new token is issued (accounts.views.TokenView), which is when their number grows.
- The lookup of the token with its user is one statement prepared once per connection (core/prepared.py):
  every API call runs it, and compiling and planning the ORM query cost several times running it. The rest is
  knox's own check (digest comparison, expiry, renewal, inactive users).
"""
import binascii
from functools import cache
from hmac import compare_digest

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from core.prepared import Statement

from .models import User


@cache
def _lookup():
    """The statement and the attribute names of its columns (built once the models are loaded)."""
    token_fields = list(get_token_model()._meta.concrete_fields)
    user_fields = list(User._meta.concrete_fields)
    columns = [f't."{f.column}"' for f in token_fields] + [f'u."{f.column}"' for f in user_fields]
    statement = Statement("accounts_token_lookup", f"""
        SELECT {", ".join(columns)} FROM {get_token_model()._meta.db_table} t
        JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.token_key = $1
    """, ["text"])
    return statement, [f.attname for f in token_fields], [f.attname for f in user_fields]


class TokenAuthentication(KnoxTokenAuthentication):
    def _tokens(self, token_key):
        statement, token_names, user_names = _lookup()
        n = len(token_names)
        with connection.cursor() as cur:
            rows = statement.execute(cur, [token_key]).fetchall()
        for row in rows:
            auth_token = get_token_model().from_db(connection.alias, token_names, row[:n])
            auth_token.user = User.from_db(connection.alias, user_names, row[n:])
            yield auth_token

    def authenticate_credentials(self, token):
        # knox.auth.TokenAuthentication.authenticate_credentials, reading the tokens through _tokens().
        msg = _("Invalid token.")
        try:
            token = token.decode("utf-8")
        except UnicodeDecodeError:  # bytes no client of ours sends: the same 401 as any unknown token
            raise exceptions.AuthenticationFailed(msg) from None
        for auth_token in self._tokens(token[:CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

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
