"""Request guards every view gets, so one class of bad input is refused once, at the door:
- a NUL byte in the path, a query or a form parameter (PostgreSQL cannot store or compare it) → 400;
- a domain error (geo.errors) raised anywhere, also on an HTML page → its 4xx, never a 500;
- a value the database refuses (too long for its column, out of range) → 400, the transaction rolled back.
"""
import logging

from django.db import DataError
from django.http import JsonResponse

from geo.errors import BadInput, DomainError

log = logging.getLogger(__name__)


def _error(request, exc):
    return JsonResponse(exc.as_json(), status=exc.status_code, json_dumps_params={"ensure_ascii": False})


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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
