"""Run by the TOM Toolkit's own Python: generate a minimal TOM Toolkit project, as ``manage.py tom_setup`` does.

Usage: python make_project.py PROJECT_DIR DESTINATION_BASE_URL USERNAME PASSWORD
The project's DATA_SHARING has one destination, "ours", pointing at the TOM under test.
"""
import datetime
import os
import secrets
import sys

import django
from django.conf import settings

project, base_url, username, password = sys.argv[1:5]
settings.configure(
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    INSTALLED_APPS=["tom_setup"],
)
django.setup()
from django.template.loader import render_to_string  # noqa: E402

context = {
    "PROJECT_NAME": "ttk", "CUSTOM_CODE_APP_NAME": "custom_code", "SECRET_KEY": secrets.token_hex(25),
    "CREATE_DATE": datetime.datetime.now().isoformat(), "DJANGO_VERSION": django.get_version(),
    "HINTS_ENABLED": False, "TARGET_TYPE": "SIDEREAL",
}
os.makedirs(os.path.join(project, "ttk"), exist_ok=True)
os.makedirs(os.path.join(project, "custom_code"), exist_ok=True)
overrides = f"""

# --- written by the interop harness ---
TOM_NAME = "Toolkit TOM"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE_DIR, "db.sqlite3")}}}}
MEDIA_ROOT = os.path.join(BASE_DIR, "media")
DATA_SHARING = {{
    "ours": {{
        "DISPLAY_NAME": "Our TOM",
        "BASE_URL": {base_url!r},
        "USERNAME": {username!r},
        "PASSWORD": {password!r},
    }},
}}
"""
with open(os.path.join(project, "ttk", "settings.py"), "w") as out:
    out.write(render_to_string("tom_setup/settings.tmpl", context) + overrides)
with open(os.path.join(project, "ttk", "urls.py"), "w") as out:
    out.write(render_to_string("tom_setup/urls.tmpl", context))
for name in ("ttk/__init__.py", "custom_code/__init__.py"):
    open(os.path.join(project, name), "w").close()
with open(os.path.join(project, "custom_code", "models.py"), "w") as out:
    out.write(render_to_string("tom_setup/models.tmpl", context))
with open(os.path.join(project, "ttk", "wsgi.py"), "w") as out:  # as django-admin startproject writes it
    out.write(
        "import os\n"
        "from django.core.wsgi import get_wsgi_application\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ttk.settings')\n"
        "application = get_wsgi_application()\n"
    )
with open(os.path.join(project, "manage.py"), "w") as out:
    out.write(
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ttk.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    )
print("ok")
