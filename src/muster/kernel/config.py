"""Read Muster's configuration from the environment, once, with safe defaults.

Production (MUSTER_ENV=production) refuses unsafe settings instead of
silently running with them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DEV_SECRET = "muster-dev-insecure-secret-key-do-not-use-in-production"
DEV_AUDIT_KEY = b"muster-dev-insecure-audit-key-do-not-use-in-production"
MIN_AUDIT_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """A setting is missing, malformed or unsafe; the message names the variable."""


@dataclass(frozen=True)
class Config:
    environment: str
    debug: bool
    secret_key: str
    database: dict
    allowed_hosts: list[str]
    default_pack: str
    packs_dirs: list[Path]
    time_zone: str
    static_root: str | None
    public_url: str
    email_url: str
    sms_url: str
    outbox_dir: Path
    spool_dir: Path
    evidence_dir: Path  # casework evidence files, content-addressed (muster.casework.evidence)
    verify_key: bytes
    letter_font: Path
    delivery_max_attempts: int
    verify_rate_per_minute: int
    webhook_max_attempts: int
    webhook_timeout: int
    bench_endpoint: bool
    check_replica: bool
    check_replica_interval: float
    clock_skew: float  # seconds an instant given by a person or a partner may lie ahead of the clock
    webhook_allow_private: bool  # webhooks to loopback/private addresses: development and tests only
    check_rate_per_second: float  # each partner key's checks, per server worker process
    check_rate_burst: int
    web: WebConfig  # the web's production defaults (below)
    audit_key: bytes  # the HMAC key of the audit chain and the spool files: never in the database
    audit_signing_key: Path  # Ed25519 private key (PEM) that signs the published checkpoints
    audit_checkpoints: Path  # the append-only file of signed checkpoints
    audit_unsealed_after: float  # seconds after which an unsealed access-log row is a problem
    app_role: str  # the PostgreSQL role the application runs as (no UPDATE/DELETE on audit rows)
    oidc: OidcConfig  # the citizen portal's sign-in (below)


def parse_database_url(url: str, name: str = "MUSTER_DATABASE_URL") -> dict:
    """sqlite:///relative.sqlite3, sqlite:////absolute/path, or postgresql://user@host:port/db."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative.sqlite3 -> "relative.sqlite3"; sqlite:////abs/x -> "/abs/x"
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ConfigError(f"{name}: a sqlite URL needs a file path, e.g. sqlite:///muster.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;",
                "transaction_mode": "IMMEDIATE",
            },
            "TEST": {"NAME": None},
        }
    if parts.scheme in ("postgres", "postgresql"):
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise ConfigError(f"{name}: a postgresql URL needs a database name")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": dbname,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "OPTIONS": {},
        }
    raise ConfigError(f"{name}: unsupported scheme {parts.scheme!r}; use sqlite:/// or postgresql://")


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def _number(env: dict[str, str], name: str, default: float, parse: type, what: str,
            minimum: float, maximum: float | None = None) -> Any:
    """A number from the environment, or the default; a clear error naming the variable."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected {what}, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {raw}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}: must be at most {maximum}, got {raw}")
    return value


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    return int(_number(env, name, default, int, "a whole number", minimum))


def _seconds(env: dict[str, str], name: str, default: float, minimum: float, maximum: float) -> float:
    return float(_number(env, name, default, float, "a number of seconds", minimum, maximum))


def audit_key(env: dict[str, str], production: bool) -> bytes:
    """The audit chain's HMAC key, from MUSTER_AUDIT_KEY or the file MUSTER_AUDIT_KEY_FILE; kept out of
    the database so that its administrator cannot recompute the chain. Production refuses a missing
    or short key."""
    raw = env.get("MUSTER_AUDIT_KEY", "").encode()
    path = env.get("MUSTER_AUDIT_KEY_FILE")
    if path:
        try:
            raw = Path(path).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"MUSTER_AUDIT_KEY_FILE: cannot read {path}: {exc.strerror}") from None
    if not raw:
        if production:
            raise ConfigError("refusing unsafe production settings: MUSTER_AUDIT_KEY or MUSTER_AUDIT_KEY_FILE "
                              f"must give a random key of {MIN_AUDIT_KEY_BYTES}+ bytes")
        return DEV_AUDIT_KEY
    if production and (len(raw) < MIN_AUDIT_KEY_BYTES or raw == DEV_AUDIT_KEY):
        name = "MUSTER_AUDIT_KEY_FILE" if path else "MUSTER_AUDIT_KEY"
        raise ConfigError(f"refusing unsafe production settings: {name} must be a random key of "
                          f"{MIN_AUDIT_KEY_BYTES}+ bytes, got {len(raw)}")
    return raw


def load(env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    environment = env.get("MUSTER_ENV", "development")
    if environment not in ("development", "test", "production"):
        raise ConfigError(f"MUSTER_ENV: expected development, test or production, got {environment!r}")
    production = environment == "production"
    debug = _bool(env, "MUSTER_DEBUG", False)
    secret = env.get("MUSTER_SECRET_KEY") or DEV_SECRET
    hosts = [h.strip() for h in env.get("MUSTER_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
    db_url = env.get("MUSTER_DATABASE_URL") or "sqlite:///muster.sqlite3"
    database = parse_database_url(db_url)
    if production:
        problems = []
        if secret == DEV_SECRET or len(secret) < 40:
            problems.append("MUSTER_SECRET_KEY must be set to a random value of 40+ characters")
        if debug:
            problems.append("MUSTER_DEBUG must be off")
        if env.get("MUSTER_CRASH_AT"):
            problems.append("MUSTER_CRASH_AT (a test's crash point) must not be set")
        if "*" in hosts:
            problems.append("MUSTER_ALLOWED_HOSTS must list the real host names, not '*'")
        if database["ENGINE"].endswith("sqlite3") and not _bool(env, "MUSTER_ALLOW_SQLITE", False):
            problems.append("MUSTER_DATABASE_URL should be PostgreSQL (set MUSTER_ALLOW_SQLITE=true to insist)")
        if _bool(env, "MUSTER_WEBHOOK_ALLOW_PRIVATE", False):
            problems.append("MUSTER_WEBHOOK_ALLOW_PRIVATE is for development and tests only")
        if problems:
            raise ConfigError("refusing unsafe production settings: " + "; ".join(problems))
    outbox = Path(env.get("MUSTER_OUTBOX_DIR", "muster-outbox"))
    email_url = env.get("MUSTER_EMAIL_URL") or f"file://{outbox.resolve() / 'email'}"
    sms_url = env.get("MUSTER_SMS_URL") or f"file://{outbox.resolve() / 'sms'}"
    for name, url in (("MUSTER_EMAIL_URL", email_url), ("MUSTER_SMS_URL", sms_url)):
        scheme = urlsplit(url).scheme
        allowed = ("smtp", "file") if name == "MUSTER_EMAIL_URL" else ("http", "https", "file")
        if scheme not in allowed:
            raise ConfigError(f"{name}: expected one of {', '.join(s + '://' for s in allowed)}, got {url!r}")
    if production and (email_url.startswith("file:") or sms_url.startswith("file:")) \
            and not _bool(env, "MUSTER_ALLOW_FILE_OUTBOX", False):
        raise ConfigError("refusing unsafe production settings: MUSTER_EMAIL_URL and MUSTER_SMS_URL must name "
                          "real gateways (set MUSTER_ALLOW_FILE_OUTBOX=true to insist)")
    builtin = Path(__file__).resolve().parent.parent / "packs"
    extra = [Path(p) for p in env.get("MUSTER_PACKS_DIRS", "").split(os.pathsep) if p]
    return Config(
        environment=environment,
        debug=debug,
        secret_key=secret,
        database=database,
        allowed_hosts=hosts,
        default_pack=env.get("MUSTER_PACK", "ru"),
        packs_dirs=[builtin, *extra],
        time_zone=env.get("MUSTER_TIME_ZONE", "Europe/Moscow"),
        static_root=env.get("MUSTER_STATIC_ROOT") or None,
        public_url=env.get("MUSTER_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        email_url=email_url,
        sms_url=sms_url,
        outbox_dir=outbox,
        spool_dir=Path(env.get("MUSTER_SPOOL_DIR", "muster-spool")).resolve(),
        evidence_dir=Path(env.get("MUSTER_EVIDENCE_DIR", "muster-evidence")).resolve(),
        verify_key=(env.get("MUSTER_VERIFY_KEY") or f"verify:{secret}").encode(),
        letter_font=Path(env.get("MUSTER_LETTER_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
        delivery_max_attempts=_int(env, "MUSTER_DELIVERY_MAX_ATTEMPTS", 5, minimum=1),
        verify_rate_per_minute=_int(env, "MUSTER_VERIFY_RATE_PER_MINUTE", 20, minimum=1),
        webhook_max_attempts=_int(env, "MUSTER_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1),
        webhook_timeout=_int(env, "MUSTER_WEBHOOK_TIMEOUT", 10, minimum=1),
        bench_endpoint=_bool(env, "MUSTER_BENCH_ENDPOINT", False),
        check_replica=_bool(env, "MUSTER_CHECK_REPLICA", True),
        check_replica_interval=_seconds(env, "MUSTER_CHECK_REPLICA_INTERVAL", 0.5, minimum=0.05, maximum=60),
        clock_skew=_seconds(env, "MUSTER_CLOCK_SKEW", 300, minimum=0, maximum=3600),
        webhook_allow_private=_bool(env, "MUSTER_WEBHOOK_ALLOW_PRIVATE", False),
        check_rate_per_second=float(_number(env, "MUSTER_CHECK_RATE_PER_SECOND", 100.0, float, "a number of checks",
                                            minimum=0.01)),
        check_rate_burst=_int(env, "MUSTER_CHECK_RATE_BURST", 200, minimum=1),
        audit_key=audit_key(env, production),
        audit_signing_key=Path(env.get("MUSTER_AUDIT_SIGNING_KEY", "muster-audit/signing-key.pem")).resolve(),
        audit_checkpoints=Path(env.get("MUSTER_AUDIT_CHECKPOINTS", "muster-audit/checkpoints.jsonl")).resolve(),
        audit_unsealed_after=_seconds(env, "MUSTER_AUDIT_UNSEALED_AFTER", 3600, minimum=1, maximum=7 * 86400),
        app_role=env.get("MUSTER_APP_ROLE", "muster_app"),
        web=load_web(env),
        oidc=load_oidc(env, production),
    )


# --- the web: proxies, the admin's host, logins, request sizes --------------------------------

_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


@dataclass(frozen=True)
class WebConfig:
    trusted_proxy: str | None  # the header a trusted reverse proxy puts the client address in
    admin_host: str | None  # the internal host the admin is served on (production: else no admin)
    hsts_seconds: int
    login_failure_limit: int  # failed admin logins (per address, per user name) before a lockout
    login_lockout_minutes: int
    max_body_bytes: int  # a larger request body gets 413
    verify_legacy_codes: bool  # /verify/ still takes the 8-character codes of letters printed earlier

    @property
    def proxy_meta_key(self) -> str | None:
        """The header as Django's request.META names it (X-Forwarded-For: HTTP_X_FORWARDED_FOR)."""
        return None if self.trusted_proxy is None else "HTTP_" + self.trusted_proxy.upper().replace("-", "_")


def load_web(env: dict[str, str]) -> WebConfig:
    """MUSTER_TRUSTED_PROXY is unset by default: the client is the connection's peer, and neither
    X-Forwarded-For nor X-Forwarded-Proto is believed until an operator names the proxy's header."""
    proxy = env.get("MUSTER_TRUSTED_PROXY", "").strip() or None
    if proxy is not None and not _HEADER_NAME.fullmatch(proxy):
        raise ConfigError(f"MUSTER_TRUSTED_PROXY: expected a header name such as X-Forwarded-For, got {proxy!r}")
    admin_host = env.get("MUSTER_ADMIN_HOST", "").strip().lower() or None
    if admin_host is not None and not re.fullmatch(r"[a-z0-9.\-\[\]:]+", admin_host):
        raise ConfigError(f"MUSTER_ADMIN_HOST: expected a host name, got {admin_host!r}")
    return WebConfig(
        trusted_proxy=proxy,
        admin_host=admin_host,
        hsts_seconds=_int(env, "MUSTER_HSTS_SECONDS", 31_536_000, minimum=0),
        login_failure_limit=_int(env, "MUSTER_LOGIN_FAILURE_LIMIT", 5, minimum=1),
        login_lockout_minutes=_int(env, "MUSTER_LOGIN_LOCKOUT_MINUTES", 15, minimum=1),
        max_body_bytes=_int(env, "MUSTER_MAX_BODY_BYTES", 1_048_576, minimum=1024),
        verify_legacy_codes=_bool(env, "MUSTER_VERIFY_LEGACY_CODES", True),
    )


# --- the citizen portal's sign-in: an OpenID Connect provider -----------------------------------

DEV_OIDC_ISSUER = "http://127.0.0.1:9400"  # the loopback provider of the demo (oidc-provider-mock)
DEV_OIDC_SECRET = "muster-dev-insecure-oidc-secret"


@dataclass(frozen=True)
class OidcConfig:
    issuer: str | None  # None: the portal's sign-in is off (production without MUSTER_OIDC_ISSUER)
    client_id: str
    client_secret: str
    national_id_claim: str  # the ID token's claim that holds the person's national id
    required_acr: str  # the level of assurance a person needs to submit anything ("" none)
    scopes: str
    signin_rate_per_minute: int  # sign-in starts and returns per client address and minute


def load_oidc(env: dict[str, str], production: bool) -> OidcConfig:
    """Development and tests default to the loopback provider; production has no default issuer
    (no portal sign-in until one is set) and refuses a plain-http issuer or the development secret."""
    issuer = env.get("MUSTER_OIDC_ISSUER", "").strip().rstrip("/") or (None if production else DEV_OIDC_ISSUER)
    secret = env.get("MUSTER_OIDC_CLIENT_SECRET", "") or DEV_OIDC_SECRET
    claim = env.get("MUSTER_OIDC_NATIONAL_ID_CLAIM", "").strip() or "national_id"
    if issuer is not None:
        parts = urlsplit(issuer)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError(f"MUSTER_OIDC_ISSUER: expected an https:// URL, got {issuer!r}")
        if production:
            problems = []
            if parts.scheme != "https":
                problems.append("MUSTER_OIDC_ISSUER must be an https:// URL")
            if secret == DEV_OIDC_SECRET or len(secret) < 16:
                problems.append("MUSTER_OIDC_CLIENT_SECRET must be set to the provider's client secret")
            if not env.get("MUSTER_OIDC_CLIENT_ID", "").strip():
                problems.append("MUSTER_OIDC_CLIENT_ID must be set")
            if problems:
                raise ConfigError("refusing unsafe production settings: " + "; ".join(problems))
    if not re.fullmatch(r"[A-Za-z0-9_.:\-]{1,100}", claim):
        raise ConfigError(f"MUSTER_OIDC_NATIONAL_ID_CLAIM: expected a claim name, got {claim!r}")
    return OidcConfig(
        issuer=issuer,
        client_id=env.get("MUSTER_OIDC_CLIENT_ID", "").strip() or "muster-portal",
        client_secret=secret,
        national_id_claim=claim,
        required_acr=env.get("MUSTER_OIDC_REQUIRED_ACR", "").strip(),
        scopes=env.get("MUSTER_OIDC_SCOPES", "").strip() or "openid",
        signin_rate_per_minute=_int(env, "MUSTER_PORTAL_SIGNIN_RATE_PER_MINUTE", 20, minimum=1),
    )
