"""Django settings, all read once from the environment through muster.kernel.config."""

from datetime import timedelta
from pathlib import Path

from muster.kernel import config as _config

CONFIG = _config.load()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
MUSTER_ENV = CONFIG.environment
MUSTER_DEFAULT_PACK = CONFIG.default_pack
MUSTER_PACKS_DIRS = CONFIG.packs_dirs

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "muster.policy",
    "muster.registry",
    "muster.audit",
    "muster.ledger",
    "muster.campaigns",
    "muster.measures",
    "muster.partners",
    "muster.delivery",
    "muster.interfaces.public",
    "muster.interfaces.portal",
    "axes",  # admin login throttling (see "The web" below)
    "csp",
    "muster.accounts",
    "muster.casework",
    "django_otp",  # the officer console's second factor (muster.accounts.second_factor)
    "django_otp.plugins.otp_totp",
    "muster.interfaces.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "muster.interfaces.middleware.RequestLimits",
    "muster.interfaces.middleware.AdminHostOnly",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "muster.interfaces.portal.middleware.PortalLanguage",  # the portal: the person's choice, else the pack's
    "muster.interfaces.portal.middleware.ProviderFormAction",  # signing out goes on to the provider
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "muster.interfaces.urls"
WSGI_APPLICATION = "muster.interfaces.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "muster.interfaces.portal.context.navigation",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
USE_I18N = True
FORMAT_MODULE_PATH = ["muster.interfaces.portal.formats"]  # English dates as "10 March 2026"
# The portal's catalogue first: its words win over the admin's and Django's for the same English.
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "interfaces" / "portal" / "locale"]
USE_TZ = True
TIME_ZONE = CONFIG.time_zone

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.static_root  # None: WhiteNoise serves straight from the apps (no collectstatic)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- The web: production defaults, logins, CSP, request sizes (README "Web and production") ---
WEB = CONFIG.web
# A session ends after 15 minutes without a request: each request saves it, moving its expiry on.
SESSION_COOKIE_AGE = 900
SESSION_SAVE_EVERY_REQUEST = True
# Argon2 first: new passwords are hashed with it; older PBKDF2 hashes still verify and are
# rehashed with Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# The client address a reverse proxy names is believed only if MUSTER_TRUSTED_PROXY names its header.
MUSTER_CLIENT_IP_HEADER = WEB.proxy_meta_key
if WEB.trusted_proxy is not None:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
MUSTER_ADMIN_HOST = WEB.admin_host
if WEB.admin_host is not None and WEB.admin_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, WEB.admin_host]
if MUSTER_ENV == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-HTTP health check
    SECURE_HSTS_SECONDS = WEB.hsts_seconds
# Logins to the admin: after MUSTER_LOGIN_FAILURE_LIMIT failures from one address, or for one
# user name, further attempts are refused (429) for MUSTER_LOGIN_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = WEB.login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=WEB.login_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "muster.interfaces.clients.client_address"
AXES_SENSITIVE_PARAMETERS = ["password"]
# Content Security Policy: this site's own files only, no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# A larger body is refused with 413 before anything reads it (muster.interfaces.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = WEB.max_body_bytes
MUSTER_MAX_BODY_BYTES = WEB.max_body_bytes
MUSTER_VERIFY_LEGACY_CODES = WEB.verify_legacy_codes
# The portal's evidence upload takes one file of up to 10 MB (muster.rules.evidence.MAX_BYTES) and the form.
MUSTER_PORTAL_UPLOAD_MAX_BYTES = 10 * 1024 * 1024 + 64 * 1024
# --- end of the web block ---

# No national id reaches a log: every handler, and the loggers that write request paths, mask
# them (muster.kernel.log_privacy). django.server has its own handler in Django's defaults.
_MASKED = {"filters": ["mask_personal_data"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "muster.kernel.log_privacy.MaskPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", **_MASKED}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "muster": {"level": "INFO", "propagate": True, **_MASKED},
        "django.request": _MASKED,
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False, **_MASKED},
        "gunicorn.error": _MASKED,  # "Error handling request <path>"
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

MUSTER_PUBLIC_URL = CONFIG.public_url
MUSTER_EMAIL_URL = CONFIG.email_url
MUSTER_SMS_URL = CONFIG.sms_url
MUSTER_VERIFY_KEY = CONFIG.verify_key
MUSTER_LETTER_FONT = CONFIG.letter_font
MUSTER_DELIVERY_MAX_ATTEMPTS = CONFIG.delivery_max_attempts
MUSTER_VERIFY_RATE_PER_MINUTE = CONFIG.verify_rate_per_minute
MUSTER_WEBHOOK_MAX_ATTEMPTS = CONFIG.webhook_max_attempts
MUSTER_WEBHOOK_TIMEOUT = CONFIG.webhook_timeout
MUSTER_BENCH_ENDPOINT = CONFIG.bench_endpoint  # /api/v1/_bare, for bench/api_bench.py only
MUSTER_CHECK_REPLICA = CONFIG.check_replica  # `muster serve` keeps the measures in memory (PostgreSQL)
MUSTER_CHECK_REPLICA_INTERVAL = CONFIG.check_replica_interval
MUSTER_CLOCK_SKEW = CONFIG.clock_skew  # seconds: how far ahead of the clock a given instant may lie
MUSTER_WEBHOOK_ALLOW_PRIVATE = CONFIG.webhook_allow_private  # loopback/private webhooks (never in production)
MUSTER_CHECK_RATE_PER_SECOND = CONFIG.check_rate_per_second  # per partner key and server worker process
MUSTER_CHECK_RATE_BURST = CONFIG.check_rate_burst
MUSTER_SPOOL_DIR = CONFIG.spool_dir  # partner reads, spooled before they reach the database
MUSTER_OUTBOX_DIR = CONFIG.outbox_dir
MUSTER_EVIDENCE_DIR = CONFIG.evidence_dir  # casework evidence files, content-addressed
MUSTER_AUDIT_KEY = CONFIG.audit_key  # HMAC of the audit chain and the spool files (outside the database)
MUSTER_AUDIT_SIGNING_KEY = CONFIG.audit_signing_key  # Ed25519 key signing the chain's checkpoints
MUSTER_AUDIT_CHECKPOINTS = CONFIG.audit_checkpoints  # the append-only file of signed checkpoints
MUSTER_AUDIT_UNSEALED_AFTER = CONFIG.audit_unsealed_after  # seconds an access-log row may wait for its seal
MUSTER_OIDC = CONFIG.oidc  # the citizen portal's identity provider (muster.interfaces.portal.oidc)
MUSTER_PORTAL_UPLOADS_PER_HOUR = 30  # evidence files one person may upload from the portal in an hour
MUSTER_APP_ROLE = CONFIG.app_role  # PostgreSQL role `muster init` grants the application's privileges to
DEFAULT_FROM_EMAIL = "Muster <no-reply@muster.invalid>"
# In the database, so that limits (the /verify/ rate limit) hold across server workers.
# Room for a count per client and minute: the default 300 entries would be culled, counts and all,
# as soon as a few hundred clients (or one attacker's many addresses) check in a few minutes.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "muster_cache",
                      "OPTIONS": {"MAX_ENTRIES": 200_000}}}
