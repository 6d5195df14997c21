"""Settings: everything comes from environment variables, with safe defaults for the embedded demo."""
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_float(name, default):
    return float(os.environ.get(name, default))


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("PATROL_TESTING", False)


def _secret_key():
    # No secret in the repo: take it from the environment, else make one per checkout (git-ignored).
    if env("DJANGO_SECRET_KEY"):
        return env("DJANGO_SECRET_KEY")
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "knox",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "accounts",
    "geo",
    "patrol",
    "layers",
    "assessment",
    "planning",
    "campaigns",
    "mobile",
    "facilities",
    "waterbodies",
    "households",
    "supervision",
    "notifications",
    "workbench",
    "demo",
    "axes",
    "ops",
    "csp",
]

MIDDLEWARE = [
    "config.middleware.ClientAddressMiddleware",  # first: every later reader of REMOTE_ADDR sees the client
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.CSPMiddleware",
    "config.middleware.JSONGZipMiddleware",  # JSON only (never HTML: BREACH)
    "config.middleware.StaticFilesMiddleware",  # whitenoise, with collectstatic's compressed copies
    "config.middleware.ReadAgainMiddleware",  # outside everything that reads the database (sessions, users)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "config.middleware.InputGuardMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Django messages as Bootstrap alerts (the base layout shows them after every POST).
from django.contrib.messages import constants as _message_levels  # noqa: E402

MESSAGE_TAGS = {_message_levels.ERROR: "danger", _message_levels.DEBUG: "secondary"}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context.unread",
                "workbench.nav.nav",
            ],
            "libraries": {"pageforms": "core.formtags"},
        },
    },
]
WSGI_APPLICATION = "config.wsgi.application"


def _database():
    """DATABASE_URL wins (production, an external PostGIS); otherwise the embedded cluster under .pg/."""
    url = env("DATABASE_URL")
    if url:
        parts = urlparse(url)
        db = {
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
        }
    else:
        socket_file = BASE_DIR / ".pg" / "socket_dir"
        host = socket_file.read_text().strip() if socket_file.exists() else str(BASE_DIR / ".pg" / "run")
        # Two roles (scripts/pg.sh): the web process, workers and commands connect as the application role;
        # `migrate` switches to the owner (ops/dbroles.py).
        db = {"NAME": env("PGDATABASE_NAME", "patrol"), "USER": "patrol_app", "PASSWORD": "", "HOST": host, "PORT": ""}
    db["ENGINE"] = "core.postgis"  # Django's PostGIS backend, waiting for a restarting database (core/postgis)
    db["CONNECT_RETRY_SECONDS"] = env_float("DB_CONNECT_RETRY_SECONDS", 10)
    db["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "60"))
    # A kept connection is checked before a request reuses it: after a database restart each worker thread's
    # first request would otherwise fail with a 500 on the dead connection (bench load section, tests/ops).
    db["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)
    db["TEST"] = {"NAME": env("TEST_DB_NAME", f"test_{db['NAME']}")}
    # The statements we prepare (core/prepared.py) keep one generic plan: with the default (auto) setting
    # PostgreSQL kept re-planning the spatial ones on every run, which is the cost preparing them is there to save.
    options = ["-c plan_cache_mode=force_generic_plan"]
    if TESTING:
        # Tests trade durability for speed on their own session only; the demo keeps fsync and sync commit.
        options.append("-c synchronous_commit=off")
    db["OPTIONS"] = {"options": " ".join(options)}
    return db


DATABASES = {"default": _database()}


def _database_owner():
    """The role that owns the tables and runs `migrate`: DATABASE_OWNER_URL's user and password (same host and
    database as DATABASE_URL); the embedded cluster's patrol_owner; {} means one role does everything."""
    url = env("DATABASE_OWNER_URL")
    if url:
        parts = urlparse(url)
        return {"USER": unquote(parts.username or ""), "PASSWORD": unquote(parts.password or "")}
    return {} if env("DATABASE_URL") else {"USER": "patrol_owner", "PASSWORD": ""}


DATABASE_OWNER = _database_owner()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Behind nginx: photos leave through its internal location (X-Accel-Redirect) after the area check (deploy/).
MEDIA_ACCEL_PREFIX = env("MEDIA_ACCEL_PREFIX", "")

STORAGES = {
    "default": {"BACKEND": env("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    # collectstatic writes a .gz beside each text file; whitenoise sends it to a browser that accepts gzip.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # What every worker must share (one-time form tokens): the project has no cache server, so a database table
    # (created by the households migration). Rate limits count in their own table (core/ratelimit.py).
    "shared": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "shared_cache"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.TokenAuthentication",  # knox, without the per-request token sweep
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "accounts.permissions.ReadOnlyForLeaders"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": env("LOGIN_THROTTLE", "10/min")},
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["geo.parsers.StrictJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
}
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", str(1024 * 1024)))  # a JSON request body (photos go multipart)
SPECTACULAR_SETTINGS = {"TITLE": "农村人居环境巡查 API", "VERSION": "1.0.0", "SERVE_INCLUDE_SCHEMA": False,
                        "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"]}

# Django 5.2 warns about Debian bookworm's GDAL 3.6; it works for everything we use.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# --- domain settings (the work plans' rules where they set one, else project defaults; all overridable) ---
PATROL = {
    "TILE_TOKEN_SECONDS": int(env("TILE_TOKEN_SECONDS", "900")),  # how long a map's vector-tile token lives
    "REBOUND_DISTANCE_M": env_float("REBOUND_DISTANCE_M", 30),
    "REBOUND_WINDOW_DAYS": int(env("REBOUND_WINDOW_DAYS", "365")),
    "DUPLICATE_DISTANCE_M": env_float("DUPLICATE_DISTANCE_M", 20),
    "RED_SUPERVISION_OVERDUE_DAYS": int(env("RED_SUPERVISION_OVERDUE_DAYS", "15")),
    "LONG_UNRESOLVED_DAYS": int(env("LONG_UNRESOLVED_DAYS", "60")),
    "REINSPECTION_SHARE": env_float("REINSPECTION_SHARE", 0.10),
    "PHOTO_MAX_BYTES": int(env("PHOTO_MAX_BYTES", str(15 * 1024 * 1024))),
    "PHOTO_MAX_PIXELS": int(env("PHOTO_MAX_PIXELS", str(60_000_000))),
    "PHOTO_GPS_MISMATCH_M": env_float("PHOTO_GPS_MISMATCH_M", 100),
    # Reused-photo check (core.photo_flags): pHash bits that may differ for two photos to count as the same picture.
    # 12 from the measurements in tests/trust/test_hashes.py (README "照片可信"): altered copies ≤ 12, different ≥ 20.
    "PHOTO_SAME_MAX_BITS": int(env("PHOTO_SAME_MAX_BITS", "12")),
    # A report photo may be taken this long before its report (the inspector's outbox) without being flagged.
    "PHOTO_REPORT_GRACE_H": env_float("PHOTO_REPORT_GRACE_H", 24),
    # task lights (亮灯管理): yellow when done ≥ planned × this share (project default)
    "TASK_YELLOW_SHARE": env_float("TASK_YELLOW_SHARE", 0.8),
    # patrol planning (巡查路线): travel model, working day, limits
    "PLAN_SPEED_KMH": env_float("PLAN_SPEED_KMH", 30),
    "PLAN_DETOUR_FACTOR": env_float("PLAN_DETOUR_FACTOR", 1.3),
    "PLAN_HOURS": env_float("PLAN_HOURS", 8),
    "PLAN_DAY_START": env("PLAN_DAY_START", "08:30"),
    "PLAN_SERVICE_MIN": env_float("PLAN_SERVICE_MIN", 15),
    "PLAN_SOLVER_SECONDS": env_float("PLAN_SOLVER_SECONDS", 5),
    "PLAN_MAX_SECONDS": env_float("PLAN_MAX_SECONDS", 30),  # the most solver time one request may ask for
    "PLAN_PRIZE_SECONDS": int(env("PLAN_PRIZE_SECONDS", "3600")),  # team time one point of priority is worth
    "PLAN_MAX_STOPS": int(env("PLAN_MAX_STOPS", "400")),
    "PLAN_MAX_TEAMS": int(env("PLAN_MAX_TEAMS", "20")),
    "PLAN_POLISH": env_bool("PLAN_POLISH", True),  # own 2-opt/Or-opt search after PyVRP (planning.tour)
    "ROAD_SNAP_MAX_M": env_float("ROAD_SNAP_MAX_M", 1000),
    "ROAD_MARGIN_DEG": env_float("ROAD_MARGIN_DEG", 0.05),
    # candidate stops: priority weights (a stop with several reasons adds them up)
    "PRIORITY_RED": int(env("PRIORITY_RED", "10")),
    "PRIORITY_VERIFY": int(env("PRIORITY_VERIFY", "8")),
    "PRIORITY_REINSPECTION": int(env("PRIORITY_REINSPECTION", "6")),
    "PRIORITY_HOTSPOT": int(env("PRIORITY_HOTSPOT", "5")),
    "PRIORITY_NOT_VISITED": int(env("PRIORITY_NOT_VISITED", "4")),
    "PRIORITY_BOTTOM_RANK": int(env("PRIORITY_BOTTOM_RANK", "3")),
    "PRIORITY_MUST": int(env("PRIORITY_MUST", "10")),
    "NOT_VISITED_DAYS": int(env("NOT_VISITED_DAYS", "30")),
    "BOTTOM_VILLAGES": int(env("BOTTOM_VILLAGES", "5")),
    "HOTSPOT_WINDOW_DAYS": int(env("HOTSPOT_WINDOW_DAYS", "90")),
    "HOTSPOT_EPS_M": env_float("HOTSPOT_EPS_M", 300),
    "HOTSPOT_MIN_REBOUNDS": int(env("HOTSPOT_MIN_REBOUNDS", "3")),
    "HOTSPOT_MAX_CELLS": int(env("HOTSPOT_MAX_CELLS", "50000")),  # hexagons one hot spot answer may hold
    "EMERGING_MAX_MONTHS": int(env("EMERGING_MAX_MONTHS", "36")),
    # tracks (GPX uploads)
    "TRACK_VISIT_RADIUS_M": env_float("TRACK_VISIT_RADIUS_M", 100),
    "GPX_MAX_BYTES": int(env("GPX_MAX_BYTES", str(10 * 1024 * 1024))),
    "GPX_MAX_POINTS": int(env("GPX_MAX_POINTS", "200000")),
    # Monthly assessment (考核): the score formula and the seeds' flags. See assessment/monthly.py.
    "ASSESSMENT": {
        "BASE": env_float("ASSESS_BASE", 100),
        # points off per problem found in the month, by source (self-checks weigh less: finding is good)
        "FOUND_WEIGHTS": {
            "district_patrol": env_float("ASSESS_W_DISTRICT_PATROL", 1.0),
            "town_self_check": env_float("ASSESS_W_TOWN_SELF_CHECK", 0.5),
            "third_party": env_float("ASSESS_W_THIRD_PARTY", 2.0),
            "reinspection": env_float("ASSESS_W_REINSPECTION", 1.0),
            "public_report": env_float("ASSESS_W_PUBLIC_REPORT", 1.0),
        },
        "W_OVERDUE": env_float("ASSESS_W_OVERDUE", 2.0),  # per problem overdue at month end
        "W_RED": env_float("ASSESS_W_RED", 3.0),  # per problem under red supervision at month end
        "W_REBOUND": env_float("ASSESS_W_REBOUND", 2.0),  # per rebound (new report linked, or re-inspection came back)
        "W_REWORK": env_float("ASSESS_W_REWORK", 1.0),  # per rejected verification in the month
        "W_ONTIME": env_float("ASSESS_W_ONTIME", 10.0),  # × (on-time closure rate − 1) when anything was closed
        "BOTTOM_N": int(env("ASSESS_BOTTOM_N", "10")),  # 当月排名后十名：约谈
        "BOTTOM_POINTS": env_float("ASSESS_BOTTOM_POINTS", -3),
        "BOTTOM_TWICE_POINTS": env_float("ASSESS_BOTTOM_TWICE_POINTS", -5),  # 连续两个月后十名
        "BOTTOM_SCOPE": env("ASSESS_BOTTOM_SCOPE", "town"),  # town | district: whose ranking the cut uses
        "NOTICE_N": int(env("ASSESS_NOTICE_N", "5")),  # 连续两次倒数5位：全区通报 (district ranking)
        "LIST_N": int(env("ASSESS_LIST_N", "5")),  # 红黑榜: best and worst N of the month
        "THIRD_PARTY_BASELINE": env_float("ASSESS_THIRD_PARTY_BASELINE", 8),
        "THIRD_PARTY_PER_PROBLEM": env_float("ASSESS_THIRD_PARTY_PER_PROBLEM", 0.1),
        "THIRD_PARTY_UNRECTIFIED": env_float("ASSESS_THIRD_PARTY_UNRECTIFIED", 0.5),
    },
}
# Household points (积分制): the public look-up /h/ per client address
HOUSEHOLD_LOOKUP_RATE = env("HOUSEHOLD_LOOKUP_RATE", "30/m")
# Basemap: unset → our own offline vector tiles (/tiles/base/…); none | custom (MAP_TILE_URL) | osm | tianditu | gaode
MAP_BASEMAP = env("MAP_BASEMAP", "")
MAP_TILE_URL = env("MAP_TILE_URL", "")  # MAP_BASEMAP=custom: an XYZ raster template, e.g. the office's 天地图 service
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "底图：本单位地图服务")
MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", "")  # the letters {s} in MAP_TILE_URL stands for
TIANDITU_KEY = env("TIANDITU_KEY", "")
DEMO_PASSWORD = env("DEMO_PASSWORD", "")
# The issuing office printed on 通报 documents (assessment notices)
NOTICE_OFFICE = env("NOTICE_OFFICE", "区农村人居环境整治工作领导小组办公室")

# Notifications (消息通知): the queue worker, e-mail through Django's mail settings, a pluggable SMS backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "patrol@localhost")
NOTIFY = {
    # Hosts a robot webhook may point to (http/https only): the two robot services by default; an office whose
    # robots go through an intranet gateway adds that host. Any other host, a private, loopback or link-local
    # address included, is refused when the channel is saved (the admin and notify_channel alike).
    "WEBHOOK_HOSTS": [h.strip().lower() for h in env("NOTIFY_WEBHOOK_HOSTS",
                                                     "qyapi.weixin.qq.com,oapi.dingtalk.com").split(",") if h.strip()],
    "EMAIL": env_bool("NOTIFY_EMAIL", False),  # off until the office's mail server is configured
    "EMAIL_SUBJECT": env("NOTIFY_EMAIL_SUBJECT", "农村人居环境巡查提醒"),
    "SMS_BACKEND": env("NOTIFY_SMS_BACKEND", ""),  # dotted path to a notifications.channels.SmsBackend subclass
    "TIMEOUT_SECONDS": env_float("NOTIFY_TIMEOUT_SECONDS", 5),
    "THREADS": int(env("NOTIFY_THREADS", "8")),  # deliveries sent at once by the worker
    "MAX_ATTEMPTS": int(env("NOTIFY_MAX_ATTEMPTS", "8")),
    "RETRY_BASE_SECONDS": int(env("NOTIFY_RETRY_BASE_SECONDS", "60")),
    "RETRY_MAX_SECONDS": int(env("NOTIFY_RETRY_MAX_SECONDS", "3600")),
    "DUE_SOON_DAYS": int(env("NOTIFY_DUE_SOON_DAYS", "3")),
}

# Facilities with a code (一厕一码, facilities/): work order deadlines, public report limits, operator scores.
FACILITIES = {
    "DEADLINE_HOURS": {"pump": int(env("FACILITY_PUMP_HOURS", "48")), "repair": int(env("FACILITY_REPAIR_HOURS", "72")),
                       "dirty": int(env("FACILITY_DIRTY_HOURS", "24"))},
    "MERGE_MINUTES": int(env("FACILITY_MERGE_MINUTES", "60")),  # the same need again within this joins the order
    "REOPEN_DAYS": int(env("FACILITY_REOPEN_DAYS", "7")),  # the same need again this soon after done: a reopen
    "RATE_PER_FACILITY": env("FACILITY_RATE_PER_FACILITY", "10/h"),
    "RATE_PER_CLIENT": env("FACILITY_RATE_PER_CLIENT", "20/h"),
    "RATE_SCAN_PER_CLIENT": env("FACILITY_RATE_SCAN_PER_CLIENT", "120/h"),  # GET /f/<code> pages per client
    # facility kind → problem category of the public report (household and public toilets: problem_toilet)
    "REPORT_CATEGORIES": {"household_toilet": "problem_toilet", "public_toilet": "problem_toilet",
                          "septic_tank": "problem_toilet", "sewage_plant": env("FACILITY_SEWAGE_CATEGORY", ""),
                          "garbage_point": env("FACILITY_GARBAGE_CATEGORY", "")},
    "SCORE_WEIGHT_TOWN": env_float("OPERATOR_SCORE_WEIGHT_TOWN", 0.6),  # 渠口: 乡 60 %
    "SCORE_WEIGHT_VILLAGE": env_float("OPERATOR_SCORE_WEIGHT_VILLAGE", 0.4),  # 村 40 %
    "PUBLIC_BASE_URL": env("FACILITY_PUBLIC_BASE_URL", ""),  # printed on labels; else the requesting host
}

if TESTING:
    # Hashing strength is not under test; a fast hasher keeps fixtures quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- authentication: lockout (django-axes) and API tokens (django-rest-knox) ------------------------------
from datetime import timedelta  # noqa: E402

# Reverse proxies in front of the app (nginx: 1). Only that many X-Forwarded-For entries are trusted (then
# X-Real-IP), for the rate limits, the lockout, the API throttles and the logs alike (core/clientaddr.py);
# 0 (no proxy) trusts REMOTE_ADDR only.
PROXY_COUNT = int(env("PROXY_COUNT", "0"))
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(env("LOGIN_MAX_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # a guesser behind a NAT locks out only that name
AXES_RESET_ON_SUCCESS = False  # one's own successful login does not wipe a guesser's count
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every worker
# config.middleware.ClientAddressMiddleware has already put the client's address (core.clientaddr) in REMOTE_ADDR.
AXES_IPWARE_PROXY_COUNT = None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = None
AXES_VERBOSE = False
REST_FRAMEWORK["NUM_PROXIES"] = 0  # REMOTE_ADDR, already the client's (ClientAddressMiddleware)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=int(env("API_TOKEN_HOURS", "72"))),
    "AUTO_REFRESH": True,  # each use pushes the expiry on: a device in use stays signed in, a lost one lapses
    "MIN_REFRESH_INTERVAL": 600,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": 20,
}
# --- running it for real (issue 16): security headers and the production switch -----------------------------
# Content-Security-Policy (django-csp): our own origin only; inline scripts run only with the page's nonce
# (folium's map scripts get it in templates/layers/map_page.html). Styles may be inline (folium and Leaflet write
# style attributes). A configured online basemap adds its tile host to img-src.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

_TILE_HOSTS = {"osm": ["https://tile.openstreetmap.org"], "tianditu": ["https://*.tianditu.gov.cn"],
               "gaode": ["https://*.is.autonavi.com"]}


def _tile_hosts(basemap, tile_url):
    """The image hosts a basemap loads from: the known services', or MAP_TILE_URL's origin ({s} → any)."""
    if basemap.lower() != "custom":
        return _TILE_HOSTS.get(basemap.lower(), [])
    from urllib.parse import urlsplit

    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return []
    host = parts.netloc.split("}", 1)[-1].lstrip(".-") if "{" in parts.netloc else parts.netloc
    return [f"{parts.scheme}://*.{host}" if "{" in parts.netloc else f"{parts.scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *_tile_hosts(MAP_BASEMAP, MAP_TILE_URL)],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
# drf-spectacular's schema-quality warnings are not deployment checks: keep `check --deploy` about deployment.
SPECTACULAR_SETTINGS["ENABLE_DJANGO_DEPLOY_CHECK"] = env_bool("SCHEMA_DEPLOY_CHECK", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# DJANGO_SECURE=1 (production behind TLS, deploy/DEPLOY.md): HSTS, secure cookies, HTTPS redirect. nginx
# terminates TLS and sets X-Forwarded-Proto, which is trusted only then.
if env_bool("DJANGO_SECURE", False):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the local health probe speaks plain HTTP
