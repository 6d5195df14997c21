"""Short-lived signed tokens for vector tiles.

A map asks for dozens of tiles a second; looking up the session and the user for each costs more than the tile.
So a page that shows tiles issues a token once (an HMAC, Django's signing, over the person's id, their area scope
and an expiry) and puts it in the tile URLs. A tile request with `token=` is checked by the signature alone:
neither the session nor the user table is read. A token that is altered, made for another purpose or past its
expiry is refused with a 403, and so is one issued before its holder's password changed or the account was
deactivated (the token carries accounts.tokens.version_of, checked against a briefly cached current value).

The token carries the area as `geo.scope.of(user)` computed it when it was issued; a person moved to another
area keeps the old one until the token lapses, which is why tokens live minutes, not days (TILE_TOKEN_SECONDS).
"""
import time

from django.conf import settings
from django.core import signing
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse

from accounts import tokens
from accounts.models import User
from core.errors import Forbidden
from geo import scope

SALT = "layers.tile-token"


def lifetime():
    return int(settings.PATROL["TILE_TOKEN_SECONDS"])


def issue(user, now=None):
    """(token, expires_at as a UNIX time) for a person who may see tiles."""
    area = scope.of(user)
    if area is None:
        raise Forbidden("您的账号没有辖区，不能查看瓦片")
    expires = int((now or time.time()) + lifetime())
    payload = {"u": user.pk, "a": area, "s": bool(user.is_superuser), "e": expires, "v": tokens.version_of(user)}
    return signing.dumps(payload, salt=SALT), expires


def bearer(token, now=None):
    """The holder of a valid token as an unsaved stand-in user, carrying only what the scope and the list filters
    read (id, area, superuser flag); Forbidden for a bad or expired token."""
    try:
        payload = _verified(token)
        expires = int(payload["e"])
        area = payload["a"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Forbidden("瓦片令牌无效") from None
    if expires < (now or time.time()):
        raise Forbidden("瓦片令牌已过期，请刷新页面")
    if area is None:
        raise Forbidden("瓦片令牌无效")
    if payload.get("v") != tokens.tile_version(payload["u"]):  # password changed or account deactivated since
        raise Forbidden("瓦片令牌已失效，请重新登录")
    # area_code "" with is_superuser False would mean "nowhere" to scope.of; the token keeps what it meant.
    return User(pk=payload["u"], area_code=area, is_superuser=bool(payload.get("s")), is_active=True)


# Tokens whose signature this process has checked: a map sends the same token with dozens of tiles, and checking
# the signature (key derivation, HMAC, base64 and JSON) was a tenth of a tile's time. The expiry is still checked
# on every use; the store is emptied when full and when the secret key changes.
_checked = {}
_CHECKED_MAX = 4096


def _verified(token):
    payload = _checked.get(token)
    if payload is None:
        payload = signing.loads(token, salt=SALT)
        if len(_checked) >= _CHECKED_MAX:
            _checked.clear()
        _checked[token] = payload
    return payload


@receiver(setting_changed)
def _key_changed(setting, **kwargs):
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _checked.clear()


def url_template(token):
    """The problem tile URL with the token, {z}/{x}/{y} left for the map library (Leaflet, OpenLayers, QGIS)."""
    path = reverse("layers:issue-tile", kwargs={"z": 0, "x": 0, "y": 0}).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    return f"{path}?token={token}"
