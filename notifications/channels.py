"""Sending one queued message through its channel, and the worker loop over the queue.

WeCom (企业微信) and DingTalk (钉钉) group robots take a JSON POST {"msgtype": "text", "text": {"content": …}}.
A DingTalk robot with “加签” wants `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(secret,
"{timestamp}\\n{secret}"))) on the URL. Both answer HTTP 200 with {"errcode": 0} when they took the message.
E-mail goes through Django's mail settings; SMS through a pluggable backend (settings.NOTIFY["SMS_BACKEND"],
a dotted path to a class with send(phone, text)); no vendor is bundled.
"""
import base64
import hashlib
import hmac
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote_plus

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ChannelKind, Delivery, DeliveryState

log = logging.getLogger(__name__)


class SendError(Exception):
    pass


def conf(name):
    return settings.NOTIFY[name]


def dingtalk_sign(secret, timestamp_ms):
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def robot_url(delivery, now_ms=None):
    url = delivery.target
    secret = delivery.channel.secret if delivery.channel_id else ""
    if delivery.kind == ChannelKind.DINGTALK and secret:
        ts = now_ms or int(time.time() * 1000)
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
    return url


def robot_body(text):
    return json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()


_pool = None


def http_pool():
    """One connection pool per process (urllib3, thread-safe): a robot's connection is kept open and reused by
    the next message to the same host instead of a new TCP (and TLS) handshake per message."""
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(num_pools=50, maxsize=max(1, conf("THREADS")), retries=False)
    return _pool


def send_robot(delivery, timeout):
    try:
        response = http_pool().request(
            "POST", robot_url(delivery), body=robot_body(delivery.text), preload_content=False,
            headers={"Content-Type": "application/json; charset=utf-8"}, redirect=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout))
        try:
            body = response.read(65537)
        except BaseException:
            response.close()
            raise
        if len(body) > 65536:
            response.close()  # an oversized answer: drop the connection rather than read it all
        else:
            response.release_conn()  # back to the pool, kept alive for the next message
    except (urllib3.exceptions.TimeoutError, TimeoutError) as exc:
        raise SendError(f"timeout: {exc}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise SendError(f"{exc.__class__.__name__}: {exc}") from None
    if response.status >= 400:
        raise SendError(f"HTTP {response.status}")
    try:
        answer = json.loads(body[:65536] or b"{}")
    except ValueError:
        return
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise SendError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def send_email(delivery, timeout):
    from django.core.mail import get_connection, send_mail

    try:
        send_mail(conf("EMAIL_SUBJECT"), delivery.text, None, [delivery.target],
                  connection=get_connection(timeout=timeout))
    except Exception as exc:  # any mail failure is a failed attempt, retried later
        raise SendError(f"mail: {exc.__class__.__name__}: {exc}") from None


class SmsBackend:
    """Base for an SMS gateway: subclass it, implement send(phone, text), name it in NOTIFY_SMS_BACKEND."""

    def send(self, phone, text):
        raise NotImplementedError


class LogSmsBackend(SmsBackend):
    """Writes the message to the log (a development stand-in; no vendor is bundled)."""

    def send(self, phone, text):
        log.warning("SMS to %s: %s", phone, text)


def send_sms(delivery, timeout):
    backend = import_string(conf("SMS_BACKEND"))()
    try:
        backend.send(delivery.target, delivery.text)
    except Exception as exc:  # a gateway failure is a failed attempt, retried later
        raise SendError(f"sms: {exc.__class__.__name__}: {exc}") from None


SENDERS = {ChannelKind.WECOM: send_robot, ChannelKind.DINGTALK: send_robot, ChannelKind.EMAIL: send_email,
           ChannelKind.SMS: send_sms}


def backoff(attempts):
    """Seconds before the next try after `attempts` failures: 1, 2, 4 … minutes, at most an hour."""
    return min(conf("RETRY_BASE_SECONDS") * 2 ** (attempts - 1), conf("RETRY_MAX_SECONDS"))


def _attempt(delivery, timeout):
    """None when sent, else the error text (runs in a worker thread: no database here)."""
    try:
        SENDERS[delivery.kind](delivery, timeout)
    except SendError as exc:
        return str(exc)[:1000]
    return None


def send_queued(now=None, retry_now=False, batch=100, limit=None):
    """Send what is due. Rows are claimed with SKIP LOCKED (two workers never take the same one) and marked in
    the same transaction: a sent row is never picked again. A batch goes out over NOTIFY_THREADS connections at
    once (robots answer slowly; the database work stays in this thread). Returns {"sent", "failed", "gave_up"}."""
    timeout = conf("TIMEOUT_SECONDS")
    pool = ThreadPoolExecutor(max_workers=max(1, conf("THREADS")))
    stats = {"sent": 0, "failed": 0, "gave_up": 0}
    done, failed_ids = 0, []
    while limit is None or done < limit:
        now_ = now or timezone.now()
        due = Q(next_at__lte=now_) | Q(attempts__gt=0) if retry_now else Q(next_at__lte=now_)
        with transaction.atomic():
            rows = list(Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("channel").filter(due, state=DeliveryState.PENDING)
                        .exclude(pk__in=failed_ids)  # each failing row is tried once per run
                        .order_by("next_at", "id")[:batch])
            if not rows:
                break
            errors = list(pool.map(lambda d: _attempt(d, timeout), rows))
            sent, unsent = [], []
            for d, error in zip(rows, errors, strict=True):
                d.attempts += 1
                if error is not None:
                    d.last_error = error
                    if d.attempts >= conf("MAX_ATTEMPTS"):
                        d.state = DeliveryState.FAILED
                        stats["gave_up"] += 1
                    else:
                        d.next_at = now_ + timedelta(seconds=backoff(d.attempts))
                        stats["failed"] += 1
                        failed_ids.append(d.pk)
                    unsent.append(d)
                else:
                    sent.append(d.pk)
                    stats["sent"] += 1
            # The sent rows in one UPDATE (a bulk_update's CASE over a hundred rows costs more to build than to
            # run); the failed ones, each with its own error and next try, by bulk_update (few, as a rule).
            if sent:
                Delivery.objects.filter(pk__in=sent).update(state=DeliveryState.SENT, sent_at=timezone.now(),
                                                            last_error="", attempts=F("attempts") + 1)
            if unsent:
                Delivery.objects.bulk_update(unsent, ["attempts", "state", "last_error", "next_at"])
        done += len(rows)
    pool.shutdown()
    return stats
