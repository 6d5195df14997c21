"""API error shape: every 4xx answers JSON with a `detail` naming what is wrong."""
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_json(), status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Field errors: keep them per field and add one readable sentence naming the (dotted) fields.
        flat = dict(_flatten(response.data))
        response.data = {
            "detail": "; ".join(f"{name}: {msg}" for name, msg in flat.items()),
            "field": next(iter(flat), None),
            "errors": response.data,
        }
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": "; ".join(str(m) for m in response.data)}
    return response


def _flatten(errors, prefix=""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        yield prefix, str(errors[0])
    elif isinstance(errors, list):
        for i, value in enumerate(errors):
            yield from _flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, str(errors)
