"""The WSGI application (gunicorn ``tom.wsgi:application``)."""
import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tom.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # A bad setting names itself in one line rather than a traceback per worker. Exit status 4 is what
    # gunicorn's master reads as "the application failed to load": it stops instead of restarting workers.
    print(f"Error: {exc}", file=sys.stderr, flush=True)
    sys.exit(4)
