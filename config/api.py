"""API error shape: every 4xx answers JSON with a `detail` naming what is wrong."""
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Field errors: keep them per field and add one readable sentence naming the fields.
        fields = ", ".join(str(k) for k in response.data)
        first = next(iter(response.data.values()))
        msg = first[0] if isinstance(first, list) and first else first
        response.data = {"detail": f"{fields}: {msg}", "errors": response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": "; ".join(str(m) for m in response.data)}
    return response
