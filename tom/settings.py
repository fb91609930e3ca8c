"""Settings for this TOM, read from the environment with safe local defaults.

An operator who wants more (``DATA_SHARING``, ``ALERT_STREAMS``...) keeps a
``local_settings.py`` that starts with ``from tom.settings import *`` and
points ``DJANGO_SETTINGS_MODULE`` at it, as the TOM Toolkit documents.
"""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Everything this TOM writes (SQLite database, uploaded files) lives here, so a
# second TOM can run beside the first with TOM_DATA_DIR=/somewhere/else.
DATA_DIR = Path(os.environ.get("TOM_DATA_DIR", BASE_DIR / "data")).resolve()

DEBUG = env_bool("DEBUG", False)
# The default key is only for a local demo; any real deployment sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-demo-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

TOM_NAME = os.environ.get("TOM_NAME", "TOM")
# This TOM's identity (a UUID) as peers know it. Empty: the one the first migration made, kept in the database.
# Set it to keep the identity when the database is rebuilt; `manage.py check` refuses a value that is not a UUID.
TOM_ID = os.environ.get("TOM_ID", "")

# Where this TOM can share to (the TOM Toolkit's setting and shape; see the README). The default is the
# TOM itself, for trying sharing out: `make run` passes the demo admin's credentials in the environment.
# Anything else goes in a local_settings.py; a value left as "set ... in environment" shows as not configured.
DATA_SHARING = {
    "localhost-tom": {
        "DISPLAY_NAME": "This TOM (localhost)",
        "BASE_URL": os.environ.get("LOCALHOST_TOM_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"),
        "USERNAME": os.environ.get("LOCALHOST_TOM_USERNAME", "set LOCALHOST_TOM_USERNAME value in environment"),
        "PASSWORD": os.environ.get("LOCALHOST_TOM_PASSWORD", "set LOCALHOST_TOM_PASSWORD value in environment"),
    },
}

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
    "tom",
    "targets",
    "dataproducts",
    "sharing",
    "alertstreams",
]

# Background work (continuous-sharing deliveries) through Django's Tasks API (the django-tasks backport).
# "database" (the default, for any real deployment): tasks are rows in this TOM's database, run by
# `manage.py db_worker` beside the web server, so nothing is lost in a restart and uploads never wait on a peer.
# "immediate": run in the web process right after the data commit (a demo without a worker; retries then wait
# for the next data or "Retry now").
TASKS_BACKEND = os.environ.get("TOM_TASKS_BACKEND", "database")
TASKS = {"default": {"BACKEND": {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}[TASKS_BACKEND]}}
# Continuous sharing retries an unreachable destination after this many seconds, doubling up to the maximum.
CONTINUOUS_SHARING_RETRY_SECONDS = float(os.environ.get("CONTINUOUS_SHARING_RETRY_SECONDS", "30"))
CONTINUOUS_SHARING_RETRY_MAX_SECONDS = float(os.environ.get("CONTINUOUS_SHARING_RETRY_MAX_SECONDS", "3600"))
# The most one share may take talking to a destination, all calls together (a slow peer is stopped, not waited on).
SHARING_DEADLINE_SECONDS = float(os.environ.get("SHARING_DEADLINE_SECONDS", "600"))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tom.middleware.RejectNulMiddleware",
]

ROOT_URLCONF = "tom.urls"

# Fields left empty are not marked valid (green) after a failed submit: tom/bootstrap.py says why.
BOOTSTRAP5 = {"field_renderers": {"default": "tom.bootstrap.FieldRenderer"}}

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
                "tom.context_processors.tom",
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
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
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
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "tom.staticfinders.PlotlyFinder",
]
WHITENOISE_USE_FINDERS = True

# Targets
TARGET_LIST_PAGE_SIZE = int(os.environ.get("TARGET_LIST_PAGE_SIZE", "25"))
# Pagination counts stop here: counting a million permitted rows on every page
# view costs more than the page itself, so beyond this the page says "1000+".
TARGET_LIST_COUNT_LIMIT = int(os.environ.get("TARGET_LIST_COUNT_LIMIT", "1000"))
TARGET_IMPORT_MAX_ROWS = int(os.environ.get("TARGET_IMPORT_MAX_ROWS", "50000"))
TARGET_IMPORT_MAX_BYTES = int(os.environ.get("TARGET_IMPORT_MAX_BYTES", 32 * 1024 * 1024))
# A new target this close (arcsec) to one the user may view is accepted with a warning naming it; 0: no check.
TARGET_NEIGHBOUR_ARCSEC = float(os.environ.get("TARGET_NEIGHBOUR_ARCSEC", "5"))

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
DATA_PRODUCT_MAX_BYTES = int(os.environ.get("DATA_PRODUCT_MAX_BYTES", 200 * 1024 * 1024))
# What a processed file may make this TOM read, checked from its headers before its data (README
# "Upload limits"): compressed content, image pixels, table rows, values and bytes (rows × widest row),
# and the points of one spectrum. A real observatory file is far below each.
DATA_PRODUCT_MAX_DECOMPRESSED_BYTES = int(os.environ.get("DATA_PRODUCT_MAX_DECOMPRESSED_BYTES", DATA_PRODUCT_MAX_BYTES))
DATA_PRODUCT_MAX_PIXELS = int(os.environ.get("DATA_PRODUCT_MAX_PIXELS", 50_000_000))
DATA_PRODUCT_MAX_TABLE_ROWS = int(os.environ.get("DATA_PRODUCT_MAX_TABLE_ROWS", 500_000))
DATA_PRODUCT_MAX_TABLE_CELLS = int(os.environ.get("DATA_PRODUCT_MAX_TABLE_CELLS", 5_000_000))
DATA_PRODUCT_MAX_TABLE_BYTES = int(os.environ.get("DATA_PRODUCT_MAX_TABLE_BYTES", 64 * 1024 * 1024))
SPECTRUM_MAX_POINTS = int(os.environ.get("SPECTRUM_MAX_POINTS", 500_000))
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
SPECTRA_PLOT_COUNT = int(os.environ.get("SPECTRA_PLOT_COUNT", "20"))
# The Share tab lists this many spectra and data product files (the latest) to tick; "all N" covers the rest.
SHARE_CHOICES_SHOWN = int(os.environ.get("SHARE_CHOICES_SHOWN", "50"))
# The longest free-text value accepted: an extra field's value, a data product's extra_data, a Hermes message.
TEXT_VALUE_MAX_LENGTH = int(os.environ.get("TEXT_VALUE_MAX_LENGTH", "10000"))

# Alert streams (manage.py readstreams): the TOM Toolkit's ALERT_STREAMS list (README "Alert streams").
# ALERT_STREAMS_JSON in the environment holds it as JSON; without it, no stream is read.
def env_json(name: str, default):
    """A setting given as JSON in the environment; bad JSON stops the start, naming the variable."""
    import json

    from django.core.exceptions import ImproperlyConfigured

    text = os.environ.get(name)
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None


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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
