"""Middleware of our own.

InputGuardMiddleware: request guards every view gets, so one class of bad input is refused once, at the door:
- a JSON body above API_MAX_BODY_BYTES → 413 (before anything reads it);
- a NUL byte in the path, a query or a form parameter (PostgreSQL cannot store or compare it) → 400;
- a domain error (core.errors) raised anywhere, also on an HTML page → its 4xx, never a 500;
- a value the database refuses (too long for its column, out of range) → 400, the transaction rolled back.

ReadAgainMiddleware: a read (GET, HEAD) whose query was running when the database server went away (a restart,
crash recovery) is served again once on a new connection, which waits for the server (core.postgis.base):
reading twice is harmless, and the person sees the page instead of a 500. A write is repeated the same way only
when its view says a repeat cannot store anything twice (`repeatable_post = True`: the report, its photos and a
recorded demolition, each idempotent by its client_uuid or the photo's hash), and its body was kept for it; other
writes answer 500 and the field app retries them from its outbox.

ClientAddressMiddleware: REMOTE_ADDR becomes the client's address by the deployment's rule (core.clientaddr,
PROXY_COUNT), first of all, so core.ratelimit, django-axes, DRF's throttles and the logs read the same value.

CSPMiddleware: django-csp's, with the policy of an ordinary response built once per process.

StaticFilesMiddleware: whitenoise, serving collectstatic's copies (and the .gz files the compressed storage made
beside them) wherever they are current, the apps' own files where they changed after the last collectstatic.

JSONGZipMiddleware: gzip for JSON answers (the API, the field app's data) to a client that accepts it. HTML pages
are left out: they carry the CSRF token, and compressing a secret next to reflected input invites BREACH. JSON
answers carry no such secret.
"""
import functools
import io
import logging
import sys

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import got_request_exception, setting_changed
from django.db import DataError, connection
from django.dispatch import receiver
from django.http import JsonResponse
from django.middleware.gzip import GZipMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

from core.clientaddr import client_address
from core.errors import BadInput, DomainError

log = logging.getLogger(__name__)


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        meta["PATROL_PEER_ADDR"] = meta.get("REMOTE_ADDR", "")
        meta["REMOTE_ADDR"] = client_address(meta, settings.PROXY_COUNT)
        return self.get_response(request)


def _error(request, exc):
    return JsonResponse(exc.as_json(), status=exc.status_code, json_dumps_params={"ensure_ascii": False})


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.content_type == "application/json" and _length(request) > settings.API_MAX_BODY_BYTES:
            # One size limit for every JSON body (the API's parser and the public report form read no further).
            return JsonResponse({"detail": f"请求体过大（上限 {settings.API_MAX_BODY_BYTES // 1024} KB）"},
                                status=413, json_dumps_params={"ensure_ascii": False})
        bad = self._nul(request)
        if bad:
            return _error(request, BadInput(f"参数 {bad} 含有空字符（\\x00）", field=bad))
        return self.get_response(request)

    @staticmethod
    def _nul(request):
        if "\x00" in request.path:
            return "path"
        params = [request.GET]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                    "multipart/form-data"):
            params.append(request.POST)
        for query in params:
            for key, values in query.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return key.replace("\x00", "") or "?"
        return None

    def process_exception(self, request, exc):
        if isinstance(exc, DomainError):
            return _error(request, exc)
        if isinstance(exc, DataError):
            log.warning("refused by the database: %s", exc)
            return _error(request, BadInput("输入值超出允许范围（过长或数值越界）"))
        return None


def _length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ReadAgainMiddleware:
    """A read (or a repeatable write) whose database connection the server ended while the request used it is
    served again, once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        repeatable = request.method in ("GET", "HEAD") or _keep_repeatable_body(request)
        response = self.get_response(request)
        if response.status_code == 500 and repeatable and _connection_lost(request):
            log.warning("database connection lost during %s %s; serving it again", request.method, request.path)
            connection.close()  # the next query opens a new connection, waiting for the server to be back
            response = self.get_response(request)
        return response


def _keep_repeatable_body(request):
    """For a POST to a view marked `repeatable_post`, read the body into memory before the view does, so that a
    second pass can parse it again (the stream can be read once). Bodies above the photo limit are not kept."""
    from django.urls import Resolver404, resolve

    if request.method != "POST":
        return False
    try:
        func = resolve(request.path_info).func
    except Resolver404:
        return False
    view = getattr(func, "view_class", None) or getattr(func, "cls", None)
    if not getattr(view, "repeatable_post", False) or _length(request) > settings.PATROL["PHOTO_MAX_BYTES"] + 2**20:
        return False
    request._body = request.read()  # what HttpRequest.body keeps, without its DATA_UPLOAD_MAX_MEMORY_SIZE check
    request._stream = io.BytesIO(request._body)  # multipart uploads are above that limit yet within the photo's
    return True


def _connection_lost(request):
    """Whether the server ended this thread's connection during the request (a 500 from a query's own error leaves
    it usable), outside any transaction a caller holds (a new connection could not continue it)."""
    if connection.in_atomic_block:
        return False
    if getattr(request, "_database_went_away", False):
        return True  # the error was the lost connection, and Django has already closed its side
    return connection.connection is not None and not connection.is_usable()  # the backend's socket check


@receiver(got_request_exception)
def _note_lost_connection(sender, request=None, **kwargs):
    """Marks a request whose error was a lost database connection (an atomic block that could not roll back
    closes the connection, so the socket check alone cannot tell afterwards)."""
    from django.db import InterfaceError, OperationalError

    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError):
        request._database_went_away = connection.connection is None or not connection.is_usable()


# What a view or decorator may set on a response to change its policy (django-csp's get_policy_parts reads them).
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@functools.cache
def _plain_policies():
    """[(header, policy, exempt attribute, excluded path prefixes)] for a response without a nonce or a per-view
    policy: the same strings django-csp builds for it (from the settings), built once."""
    out = []
    for header, setting, exempt, report_only in ((HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
                                                 (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY",
                                                  "_csp_exempt_ro", True)):
        policy = build_policy(report_only=report_only)
        prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        if policy:
            out.append((header, policy, exempt, prefixes))
    return out


@receiver(setting_changed)
def _policy_settings_changed(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _plain_policies.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, except that a response whose page used no nonce and whose view set no policy of its
    own (every API answer and tile) gets headers built once per process: django-csp builds the policy twice per
    response (about 0.2 ms, a tenth of a tile's time). Pages with a nonce go through django-csp unchanged."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in _PER_RESPONSE):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # as django-csp: Django's debug pages keep their inline scripts
        for header, policy, exempt, prefixes in _plain_policies():
            if header not in response and not getattr(response, exempt, False) \
                    and not request.path_info.startswith(prefixes):
                response[header] = policy
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def add_files_from_finders(self):
        """As whitenoise's, except that a collected copy as new as its source and of its size stays (with its
        compressed variants); whitenoise's own would replace every collected file by the uncompressed source."""
        import os

        from django.contrib.staticfiles import finders

        files = {}
        for finder in finders.get_finders():
            for path, storage in finder.list(None):
                prefix = (getattr(storage, "prefix", None) or "").strip("/")
                url = "".join((self.static_prefix, prefix, "/" if prefix else "", path.replace("\\", "/")))
                files.setdefault(url, storage.path(path))
        root = str(self.static_root or "")
        for url, source in files.items():
            if url in self.files and root:
                try:
                    have = os.stat(os.path.join(root, url[len(self.static_prefix):]))
                    src = os.stat(source)
                except OSError:
                    have = src = None
                if have and have.st_size == src.st_size and have.st_mtime >= src.st_mtime:
                    continue
            self.add_file_to_dictionary(url, source)


JSON_TYPES = ("application/json", "application/geo+json", "application/manifest+json", "application/vnd.geo+json")


class JSONGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(JSON_TYPES):
            return response
        return super().process_response(request, response)
