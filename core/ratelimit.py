"""The one rate limiter of the login-free pages (/f/<code>, its report, /h/): fixed-window counters in the database,
each check one SQL statement, so every worker and thread shares them and none can lose an increment.

``limited(request, (group, key, rate), ...)`` adds one hit to each counter and says whether any is over its rate.
A rate is "N/unit" (s, m, h, d; "10/h", "30/m", also "5/15m"); ``key`` is "ip" for the client address
(``core.clientaddr`` has already put it into REMOTE_ADDR) or any string. The counters live in ``rate_counter``
(an UNLOGGED table made by accounts/migrations/0004_rate_counters: a crash forgets them, which a limiter may).
"""
import hashlib
import random
import re
import time

from django.db import connection

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
SWEEP_CHANCE = 0.01  # of the hits that also remove windows long past


def parse_rate(rate):
    """(limit, period in seconds) of "N/unit"."""
    m = _RATE.match(str(rate))
    if not m:
        raise ValueError(f"bad rate {rate!r}: expected N/s, N/m, N/h or N/d")
    return int(m.group(1)), int(m.group(2) or 1) * UNITS[m.group(3)]


def _key(group, key):
    text = f"{group}:{key}"
    # keep the key short and free of whatever a client sent (a facility code is the client's text)
    return text if len(text) <= 100 and text.isprintable() else f"{group}:#{hashlib.sha256(text.encode()).hexdigest()}"


# Raw SQL: the ORM has no INSERT … ON CONFLICT DO UPDATE … RETURNING, and the atomic increment is the point.
HIT_SQL = """
INSERT INTO rate_counter (key, window_start, expires, hits)
SELECT k, w, e, 1 FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) AS t(k, w, e)
ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_counter.hits + 1
RETURNING key, hits
"""


def hits(*checks, now=None):
    """Add one hit to each (group, key, rate) counter in one statement → {(group, key): (hits, limit)}."""
    now = int(time.time() if now is None else now)
    keys, starts, expires, limits = [], [], [], {}
    for group, key, rate in checks:
        limit, period = parse_rate(rate)
        k = _key(group, key)
        start = now - now % period
        keys.append(k)
        starts.append(start)
        expires.append(start + period)
        limits[k] = (group, key, limit)
    with connection.cursor() as cur:
        cur.execute(HIT_SQL, [keys, starts, expires])
        rows = cur.fetchall()
        if random.random() < SWEEP_CHANCE:
            cur.execute("DELETE FROM rate_counter WHERE expires < %s", [now])
    out = {}
    for k, n in rows:
        group, key, limit = limits[k]
        out[(group, key)] = (n, limit)
    return out


def limited(request, *checks):
    """True when this request takes any of the counters over its rate (every counter counts the hit)."""
    resolved = [(group, request.META.get("REMOTE_ADDR", "") if key == "ip" else key, rate)
                for group, key, rate in checks]
    return any(n > limit for n, limit in hits(*resolved).values())


def reset():
    """Forget every counter (tests, and an operator clearing a mistaken lock-out)."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM rate_counter")
