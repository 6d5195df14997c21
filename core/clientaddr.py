"""The client's address, one rule for the rate limits, the login lockout, the API throttles and the logs.

Deployed (deploy/patrol-gunicorn.service) gunicorn listens on a unix socket behind nginx, so REMOTE_ADDR is
empty and the client is what nginx says: it appends the address it saw to X-Forwarded-For and sets X-Real-IP.
With PROXY_COUNT = N trusted proxies, the client is the N-th address from the right of X-Forwarded-For (entries
further left were written by the client itself and are ignored), else X-Real-IP, else REMOTE_ADDR. With
PROXY_COUNT = 0 only REMOTE_ADDR counts. An address that is no IP address, or none at all, is UNKNOWN: every
such request shares one rate-limit bucket rather than answering 500.
"""
import ipaddress

UNKNOWN = "0.0.0.0"


def _ip(value):
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(meta, proxy_count):
    """The client's IP address from a WSGI environ / request.META."""
    if proxy_count > 0:
        forwarded = [p for p in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if p.strip()]
        if len(forwarded) >= proxy_count:
            found = _ip(forwarded[-proxy_count])
            if found:
                return found
        found = _ip(meta.get("HTTP_X_REAL_IP"))
        if found:
            return found
    return _ip(meta.get("REMOTE_ADDR")) or UNKNOWN
