"""Settings for this TOM, read from the environment with safe local defaults.

An operator who wants more (``DATA_SHARING``, ``ALERT_STREAMS``...) keeps a
``local_settings.py`` that starts with ``from tom.settings import *`` and
points ``DJANGO_SETTINGS_MODULE`` at it, as the TOM Toolkit documents.
"""
from __future__ import annotations

import importlib.util
import ipaddress
import json
import math
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from core.logs import LOG_FORMATS, logging_config
from core.production import DEMO_SECRET_KEY, refuse_weak_secret_key, serves_the_public

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable; empty means the default. Any other word stops the start (ImproperlyConfigured, below):
    read as "no", a mistyped ``SESSION_COOKIE_SECURE=ture`` would quietly turn a protection off."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE_WORDS + FALSE_WORDS:
        raise ImproperlyConfigured(f"{name} must be true or false ({', '.join(TRUE_WORDS + FALSE_WORDS)}), "
                                   f"not {os.environ[name].strip()!r}.")
    return value in TRUE_WORDS


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A bad value stops the start with ImproperlyConfigured naming the variable; manage.py and tom/wsgi.py print
# it as one line, not a traceback.
def env_number(name: str, default: float, kind: type = int) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be {'a whole number' if kind is int else 'a number'}, "
                                   f"not {value!r}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks (``10.0.0.0/8``); one that is neither stops the start, named."""
    entries = env_list(name, "")
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {entry!r} is not an IP address or network.") from None
    return entries


def env_json(name: str, default):
    """A setting given as JSON in the environment. The message never quotes the text (it may hold credentials)."""
    text = os.environ.get(name)
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None


# Everything this TOM writes (SQLite database, uploaded files) lives here, so a
# second TOM can run beside the first with TOM_DATA_DIR=/somewhere/else.
DATA_DIR = Path(os.environ.get("TOM_DATA_DIR", BASE_DIR / "data")).resolve()


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=VALUE`` lines of ``path`` (blank lines, ``#`` comments and anything else skipped); {} if absent."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


# `manage.py demo` writes the demo's own defaults here (its TOM_NAME, and the self-share's address and
# account): every manage.py command and the server then agree without anything exported by hand
# (`manage.py share ... localhost-tom` works as the Share page does). The environment always wins.
DEMO_ENV_FILE = DATA_DIR / "demo.env"
DEMO_ENV = read_env_file(DEMO_ENV_FILE)


def env_or_demo(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value is not None else DEMO_ENV.get(name, default)


DEBUG = env_bool("DEBUG", False)
# The default key is only for a local demo; any real deployment sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or DEMO_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"  # in words, and as an alert where an htmx form was sent
# DEBUG off with a host other than this machine's: the TOM serves the public and will not start with a weak key
# (the tom app checks the final settings again, for a local_settings.py that sets ALLOWED_HOSTS itself).
refuse_weak_secret_key(DEBUG, ALLOWED_HOSTS, os.environ.get("SECRET_KEY", ""))


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """``HTTP_X_FORWARDED_PROTO,https`` -> the (header, value) pair Django's SECURE_PROXY_SSL_HEADER wants."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    header, _, value = (part.strip() for part in text.partition(","))
    if not header.startswith("HTTP_") or not value:
        raise ImproperlyConfigured(f"{name} must look like HTTP_X_FORWARDED_PROTO,https (got {text!r}).")
    return header, value


# HTTPS (docs/configuration.md "Production settings"): off for the local demo, which is plain HTTP on 127.0.0.1.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # process supervisors probe over plain HTTP on loopback
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
# Behind a reverse proxy that terminates TLS: the header (as Django names it) and value saying the request was HTTPS.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")

TOM_NAME = env_or_demo("TOM_NAME", "TOM")
# This TOM's identity (a UUID) as peers know it. Empty: the one the first migration made, kept in the database.
# Set it to keep the identity when the database is rebuilt; `manage.py check` refuses a value that is not a UUID.
TOM_ID = os.environ.get("TOM_ID", "")

# Where this TOM can share to (the TOM Toolkit's setting and shape; see docs/sharing.md). The default is the
# TOM itself at 127.0.0.1, for trying sharing out, with the documentation's LOCALHOST_TOM_* variables
# (LOCALHOST_TOM_URL is this project's older name for LOCALHOST_TOM_BASE_URL); under the demo its account
# comes from DEMO_ENV_FILE. Anything else goes in a local_settings.py; a value left as
# "set ... in environment" shows as not configured. A TOM serving the public lists it only when given its
# credentials (else `check` would warn about it forever).
DATA_SHARING = {
    "localhost-tom": {
        "DISPLAY_NAME": env_or_demo("LOCALHOST_TOM_DISPLAY_NAME", "This TOM (localhost)"),
        "BASE_URL": env_or_demo("LOCALHOST_TOM_BASE_URL", os.environ.get(
            "LOCALHOST_TOM_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/")),
        "USERNAME": env_or_demo("LOCALHOST_TOM_USERNAME", "set LOCALHOST_TOM_USERNAME value in environment"),
        "PASSWORD": env_or_demo("LOCALHOST_TOM_PASSWORD", "set LOCALHOST_TOM_PASSWORD value in environment"),
    },
}
if serves_the_public(DEBUG, ALLOWED_HOSTS) and "LOCALHOST_TOM_USERNAME" not in {*os.environ, *DEMO_ENV}:
    DATA_SHARING = {}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "ninja",  # its Swagger UI files, served as static (no CDN)
    "django_htmx",
    "django_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS/JS as static files, no CDN
    "django_tasks",
    "django_tasks_db",  # the durable task queue (continuous-sharing deliveries); `manage.py db_worker` runs it
    "axes",  # failed logins counted and throttled (core/lockout.py)
    "csp",  # the Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "core",  # the plumbing, API tokens and this TOM's identity (app label "tom")
    "targets",
    "dataproducts",
    "sharing",
    "alertstreams",
    "toolkit_import",  # manage.py import_toolkit
    "demo",  # manage.py demo (make run): the demo TOM's data
    "tom_targets",  # the TOM Toolkit's names: tom_targets.*_persistentshare permissions, targets_extras tags, imports
]

# Background work (continuous-sharing deliveries) through Django's Tasks API (the django-tasks backport).
# "database" (the default, for any real deployment): tasks are rows in this TOM's database, run by
# `manage.py db_worker` beside the web server, so nothing is lost in a restart and uploads never wait on a peer.
# "immediate": run in the web process right after the data commit (a demo without a worker; retries then wait
# for the next data or "Retry now").
TASKS_BACKEND = env_choice("TOM_TASKS_BACKEND", "database", ("database", "immediate"))
TASKS = {"default": {"BACKEND": {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}[TASKS_BACKEND]}}
# Continuous sharing retries an unreachable destination after this many seconds, doubling up to the maximum.
CONTINUOUS_SHARING_RETRY_SECONDS = env_number("CONTINUOUS_SHARING_RETRY_SECONDS", 30.0, float)
CONTINUOUS_SHARING_RETRY_MAX_SECONDS = env_number("CONTINUOUS_SHARING_RETRY_MAX_SECONDS", 3600.0, float)
# The most one share may take talking to a destination, all calls together (a slow peer is stopped, not waited on).
SHARING_DEADLINE_SECONDS = env_number("SHARING_DEADLINE_SECONDS", 600.0, float)
# How long a worker's claim on a share's deliveries holds; then another worker sends them (the first was killed).
# Longer than a batch can take (two calls bounded by the deadline), or a slow batch would be sent twice.
CONTINUOUS_SHARING_CLAIM_SECONDS = env_number("CONTINUOUS_SHARING_CLAIM_SECONDS", 2 * SHARING_DEADLINE_SECONDS + 300,
                                              float)
if CONTINUOUS_SHARING_CLAIM_SECONDS <= 2 * SHARING_DEADLINE_SECONDS:
    raise ImproperlyConfigured("CONTINUOUS_SHARING_CLAIM_SECONDS must be longer than 2 × SHARING_DEADLINE_SECONDS "
                               f"({2 * SHARING_DEADLINE_SECONDS:g} s), the longest a delivery batch can take.")

MIDDLEWARE = [
    "core.health.HealthCheckMiddleware",  # first: /healthz/ answers before the host check, sessions and login
    "core.metrics.MetricsBeforeMiddleware",  # request latency including the middleware below (core/metrics.py)
    "core.logs.RequestIdMiddleware",  # X-Request-ID, and the request_id of every log line of the request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RefuseCrossSiteApiWritesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RejectNulMiddleware",
    "core.metrics.MetricsAfterMiddleware",  # latency and status by view
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a locked-out login into its answer
]

# Content-Security-Policy (django-csp): scripts only from this TOM's own static files, no inline script anywhere
# (page behaviour lives in static/tom/tom.js, figures travel as JSON data), nothing loaded from or framed by
# another site. Styles may be inline: plotly.js injects <style> elements as it loads and draws (its own rules,
# maplibre's), and the plotly package ships no stylesheet that would let it stop.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # Bootstrap's and Swagger UI's icons are data: URIs
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "tom.urls"

# Fields left empty are not marked valid (green) after a failed submit: core/bootstrap.py says why.
BOOTSTRAP5 = {"field_renderers": {"default": "core.bootstrap.FieldRenderer"}}

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
                "core.context_processors.tom",
            ],
        },
    },
]

WSGI_APPLICATION = "tom.wsgi.application"


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'tom.sqlite3'}"
    # Persistent connections (per thread): a new SQLite connection re-runs the PRAGMAs below on every request.
    try:
        config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    except ValueError:  # the parser's own text may quote part of the URL, password included
        raise ImproperlyConfigured("DATABASE_URL is not a database URL this TOM can use (e.g. "
                                   "postgres://user:password@host:5432/name or sqlite:////path/tom.sqlite3).") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A server that does not answer fails a connection (and /healthz/) in seconds, not after TCP's minutes.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while readstreams or a worker writes;
        # IMMEDIATE transactions avoid "database is locked" on upgrade from read to write.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
                " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"  # 64 MiB page cache: bulk inserts into indexes
            ),
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out address before any password check
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian "AnonymousUser" row: anonymous visitors are sent to log in.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Password guessing (core/lockout.py, django-axes): after LOGIN_FAILURE_LIMIT failures (login page or HTTP Basic)
# within LOGIN_COOLOFF_MINUTES of each other, an address may not try that account again, or any account once it
# has that many failures over all of them, until the cool-off has passed since its last failure.
AXES_FAILURE_LIMIT = env_number("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # never the account alone: see core/lockout.py
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends when it said it would (Retry-After)
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.lockout.client_ip"
AXES_CLIENT_STR_CALLABLE = "core.lockout.client_str"
AXES_SENSITIVE_PARAMETERS: list[str] = []  # log which account and address failed (the password never is)
# Reverse proxies in front of this TOM that append the client's address to X-Forwarded-For (nginx's
# $proxy_add_x_forwarded_for): 0 trusts no header and counts failures against the connection's address.
TRUSTED_PROXY_COUNT = env_number("TRUSTED_PROXY_COUNT", 0)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "targets:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic also writes a gzip copy of each file, which whitenoise serves to browsers that take it (plotly.js:
    # 4.6 MB -> 1.4 MB). Names stay plain (no hashed names): a page never fails for a file not collected yet.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


def s3_storage(bucket: str) -> dict:
    """``STORAGES["default"]`` for an S3-compatible object store (docs/storage.md), so that web and worker
    processes on different machines see the same files.

    The bucket stays private: objects are written without an ACL (the bucket's own policy applies) and
    every download goes through the TOM's permission check, which streams the object (no bucket URL, no
    presigned redirect, so ``url()`` is never used). Files are never overwritten: two uploads of the same
    name for one target get two objects. Credentials are not settings: boto3 reads ``AWS_ACCESS_KEY_ID``
    and ``AWS_SECRET_ACCESS_KEY`` from the environment itself (or a profile, or the machine's role), so
    they never sit in ``settings`` where a debug page or a dump of them could show them.
    """
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs django-storages[s3]: pip install -e '.[s3]'.")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "location": os.environ.get("AWS_LOCATION", "").strip("/"),
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,  # were a URL ever made, it would be a signed one, never a public one
        # A file read whole (sharing it, a processor's local copy) spools to disk past this, as uploads do.
        "max_memory_size": 10 * 1024 * 1024,
    }}


# Data product files: this machine's disk under MEDIA_ROOT (the default), or an S3-compatible store.
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "filesystem", ("filesystem", "s3"))
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = s3_storage(os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip())
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.PlotlyFinder",
]
# True: whitenoise serves the apps' static files where they are (make run, tests: nothing to collect). make serve
# collects them into STATIC_ROOT and sets it false: whitenoise then serves STATIC_ROOT, with the compressed copies.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# Targets
TARGET_LIST_PAGE_SIZE = env_number("TARGET_LIST_PAGE_SIZE", 25)
# Pagination counts stop here: counting a million permitted rows on every page
# view costs more than the page itself, so beyond this the page says "1000+".
TARGET_LIST_COUNT_LIMIT = env_number("TARGET_LIST_COUNT_LIMIT", 1000)
TARGET_IMPORT_MAX_ROWS = env_number("TARGET_IMPORT_MAX_ROWS", 50000)
TARGET_IMPORT_MAX_BYTES = env_number("TARGET_IMPORT_MAX_BYTES", 32 * 1024 * 1024)
# A new target this close (arcsec) to one the user may view is accepted with a warning naming it; 0: no check.
TARGET_NEIGHBOUR_ARCSEC = env_number("TARGET_NEIGHBOUR_ARCSEC", 5.0, float)

# Data products: the TOM Toolkit's setting names and shapes.
DATA_PRODUCT_TYPES = {
    "photometry": ("photometry", "Photometry"),
    "spectroscopy": ("spectroscopy", "Spectroscopy"),
    "fits_file": ("fits_file", "FITS file"),
    "image_file": ("image_file", "Image file"),
}
DATA_PROCESSORS = {
    "photometry": "dataproducts.processors.photometry.PhotometryProcessor",
    "spectroscopy": "dataproducts.processors.spectroscopy.SpectroscopyProcessor",
}
DATA_PRODUCT_MAX_BYTES = env_number("DATA_PRODUCT_MAX_BYTES", 200 * 1024 * 1024)
# What a processed file may make this TOM read, checked from its headers before its data (docs/configuration.md,
# "Upload limits"): compressed content, image pixels, table rows, values and bytes (rows × widest row),
# and the points of one spectrum. A real observatory file is far below each.
DATA_PRODUCT_MAX_DECOMPRESSED_BYTES = env_number("DATA_PRODUCT_MAX_DECOMPRESSED_BYTES", DATA_PRODUCT_MAX_BYTES)
DATA_PRODUCT_MAX_PIXELS = env_number("DATA_PRODUCT_MAX_PIXELS", 50_000_000)
DATA_PRODUCT_MAX_TABLE_ROWS = env_number("DATA_PRODUCT_MAX_TABLE_ROWS", 500_000)
DATA_PRODUCT_MAX_TABLE_CELLS = env_number("DATA_PRODUCT_MAX_TABLE_CELLS", 5_000_000)
DATA_PRODUCT_MAX_TABLE_BYTES = env_number("DATA_PRODUCT_MAX_TABLE_BYTES", 64 * 1024 * 1024)
SPECTRUM_MAX_POINTS = env_number("SPECTRUM_MAX_POINTS", 500_000)
# Uploaded files are readable by this TOM's user and group only (not world-readable on a shared machine).
FILE_UPLOAD_PERMISSIONS = int(os.environ.get("FILE_UPLOAD_PERMISSIONS", "640"), 8)
FILE_UPLOAD_DIRECTORY_PERMISSIONS = int(os.environ.get("FILE_UPLOAD_DIRECTORY_PERMISSIONS", "750"), 8)
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024  # request bodies other than files (a bulk datum POST)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Light curves with more points than this are drawn with WebGL (scattergl).
LIGHT_CURVE_WEBGL_THRESHOLD = 5000
PHOTOMETRY_PAGE_SIZE = 50

# Bounds on what one page shows and on free text users and peers send (a page and an export stay small
# whatever a peer or a bulk POST stored).
# The spectra plot draws this many (the latest); older ones are a page further.
SPECTRA_PLOT_COUNT = env_number("SPECTRA_PLOT_COUNT", 20)
# The Share tab lists this many spectra and data product files (the latest) to tick; "all N" covers the rest.
SHARE_CHOICES_SHOWN = env_number("SHARE_CHOICES_SHOWN", 50)
# The longest free-text value accepted: an extra field's value, a data product's extra_data, a Hermes message.
TEXT_VALUE_MAX_LENGTH = env_number("TEXT_VALUE_MAX_LENGTH", 10000)

# Alert streams (manage.py readstreams): the TOM Toolkit's ALERT_STREAMS list (docs/alert-streams.md).
# ALERT_STREAMS_JSON in the environment holds it as JSON; without it, no stream is read.
ALERT_STREAMS = env_json("ALERT_STREAMS_JSON", [])

# Visibility (the target page's airmass plot for the coming night): observatories by name, latitude and
# longitude in degrees (east positive), elevation in metres, IANA time zone for local times. Replace or extend
# it in local_settings.py, or give it as JSON in VISIBILITY_SITES_JSON. Coordinates from astropy's site
# registry (astropy-data coordinates/sites.json, keys in brackets); Cerro Pachon is Rubin's own position as
# its simulation code gives it (-30:14:40.7, -70:44:57.9, 2662.75 m), within 30 m of NOIRLab's published one.
DEFAULT_VISIBILITY_SITES = {
    "Cerro Pachón (Rubin)": {"latitude": -30.244639, "longitude": -70.749417, "elevation": 2662.75,
                             "timezone": "America/Santiago"},
    "La Silla": {"latitude": -29.256667, "longitude": -70.73, "elevation": 2347,  # [lasilla]
                 "timezone": "America/Santiago"},
    "Paranal": {"latitude": -24.627439, "longitude": -70.404987, "elevation": 2669,  # [paranal]
                "timezone": "America/Santiago"},
    "Maunakea": {"latitude": 19.823801, "longitude": -155.469047, "elevation": 4213,  # [gemini_north]
                 "timezone": "Pacific/Honolulu"},
    "La Palma (Roque de los Muchachos)": {"latitude": 28.758333, "longitude": -17.88, "elevation": 2327,  # [lapalma]
                                          "timezone": "Atlantic/Canary"},
    "Siding Spring": {"latitude": -31.273361, "longitude": 149.061194, "elevation": 1149,  # [sso]
                      "timezone": "Australia/Sydney"},
    "SAAO Sutherland": {"latitude": -32.375823, "longitude": 20.810808, "elevation": 1798,  # [salt]
                        "timezone": "Africa/Johannesburg"},
    "McDonald": {"latitude": 30.671667, "longitude": -104.021667, "elevation": 2075,  # [mcdonald]
                 "timezone": "America/Chicago"},
    "Haleakala": {"latitude": 20.71552, "longitude": -156.169, "elevation": 3048,  # [haleakala]
                  "timezone": "Pacific/Honolulu"},
}
VISIBILITY_SITES = env_json("VISIBILITY_SITES_JSON", DEFAULT_VISIBILITY_SITES)
# Create a target the Hermes handler cannot match, from the message's own targets table.
ALERT_STREAMS_CREATE_TARGETS = env_bool("ALERT_STREAMS_CREATE_TARGETS", False)
# readstreams waits this long before reconnecting to a broker that does not answer, doubling up to the maximum.
ALERT_STREAMS_RETRY_SECONDS = env_number("ALERT_STREAMS_RETRY_SECONDS", 1.0, float)
ALERT_STREAMS_RETRY_MAX_SECONDS = env_number("ALERT_STREAMS_RETRY_MAX_SECONDS", 60.0, float)
# A reader of a consumer group that stops answering this long (killed, machine lost) has its partitions handed
# to the group's other readers. Kafka brokers refuse less than 6 s unless told otherwise.
ALERT_STREAMS_SESSION_SECONDS = env_number("ALERT_STREAMS_SESSION_SECONDS", 6.0, float)

# One line per event on stderr (core/logs.py): the message as text, or a JSON object per line with LOG_FORMAT=json.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", LOG_FORMATS)
LOGGING = logging_config(LOG_FORMAT, env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")))

# Prometheus (core/metrics.py): /metrics/ answers "Authorization: Bearer <METRICS_TOKEN>" or a client address in
# METRICS_ALLOWED_IPS (addresses or networks, as the login throttle sees them: TRUSTED_PROXY_COUNT); with neither, 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
if METRICS_TOKEN and len(METRICS_TOKEN) < 20:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 20 characters (python -c \"import secrets; "
                               "print(secrets.token_urlsafe(32))\").")
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS")

# Retention (manage.py prune, core/pruning.py): days to keep each kind of finished record; 0 keeps them for ever.
# Ids of ingested stream messages must outlive what Kafka could deliver again (the topics' retention, see docs/deploy.md).
PRUNE_TASK_RESULTS_DAYS = env_number("PRUNE_TASK_RESULTS_DAYS", 14)
PRUNE_DELIVERIES_DAYS = env_number("PRUNE_DELIVERIES_DAYS", 30)
PRUNE_SHARE_RECORDS_DAYS = env_number("PRUNE_SHARE_RECORDS_DAYS", 0)
PRUNE_INGESTED_MESSAGES_DAYS = env_number("PRUNE_INGESTED_MESSAGES_DAYS", 0)
PRUNE_DEAD_LETTERS_DAYS = env_number("PRUNE_DEAD_LETTERS_DAYS", 0)
