"""Every way in a person holds ends when their password changes or they are deactivated.

- API tokens (knox) of that person are deleted (the session ends by Django's own session hash).
- Signed tile tokens (layers.tiletoken) carry the person's `tile_version`, a digest of their password hash and
  active flag; a tile request compares it with the current one, read from the database at most once per
  TILE_VERSION_SECONDS per process (a map asks for dozens of tiles a second) and dropped here at once.
- TOKEN_LIMIT_PER_USER (REST_KNOX) is enforced when a token is issued (accounts.views.TokenView).
"""
import hashlib

from django.core.cache import caches
from django.db.models.signals import post_save, pre_save

TILE_VERSION_SECONDS = 30
_CACHE = "default"  # per process: a tile check never waits for the database cache


def _digest(password, is_active):
    return hashlib.sha256(f"{password}|{bool(is_active)}".encode()).hexdigest()[:12]


def tile_version(user_id):
    """The person's current tile version ('' for no such person): cached briefly, read from the database."""
    from .models import User

    key = f"accounts.tile-version:{user_id}"
    cache = caches[_CACHE]
    found = cache.get(key)
    if found is None:
        row = User.objects.filter(pk=user_id).values_list("password", "is_active").first()
        found = _digest(*row) if row else ""
        cache.set(key, found, TILE_VERSION_SECONDS)
    return found


def version_of(user):
    """The version a tile token issued now carries (and, being current, the cached one)."""
    found = _digest(user.password, user.is_active)
    caches[_CACHE].set(f"accounts.tile-version:{user.pk}", found, TILE_VERSION_SECONDS)
    return found


def _before_save(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    instance._ends_tokens = old is not None and (old[0] != instance.password or (old[1] and not instance.is_active))


def _after_save(sender, instance, created=False, **kwargs):
    if getattr(instance, "_ends_tokens", False):
        from knox.models import AuthToken

        AuthToken.objects.filter(user=instance).delete()
        caches[_CACHE].delete(f"accounts.tile-version:{instance.pk}")
        instance._ends_tokens = False


def connect(user_model):
    pre_save.connect(_before_save, sender=user_model, dispatch_uid="accounts.tokens.before")
    post_save.connect(_after_save, sender=user_model, dispatch_uid="accounts.tokens.after")
