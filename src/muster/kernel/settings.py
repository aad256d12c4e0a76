"""Django settings, all read once from the environment through muster.kernel.config."""

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
    "muster.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
USE_I18N = True
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
if MUSTER_ENV == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"muster": {"level": "INFO", "propagate": True}},
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
MUSTER_AUDIT_KEY = CONFIG.audit_key  # HMAC of the audit chain and the spool files (outside the database)
MUSTER_AUDIT_SIGNING_KEY = CONFIG.audit_signing_key  # Ed25519 key signing the chain's checkpoints
MUSTER_AUDIT_CHECKPOINTS = CONFIG.audit_checkpoints  # the append-only file of signed checkpoints
MUSTER_AUDIT_UNSEALED_AFTER = CONFIG.audit_unsealed_after  # seconds an access-log row may wait for its seal
MUSTER_APP_ROLE = CONFIG.app_role  # PostgreSQL role `muster init` grants the application's privileges to
DEFAULT_FROM_EMAIL = "Muster <no-reply@muster.invalid>"
# In the database, so that limits (the /verify/ rate limit) hold across server workers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "muster_cache"}}
