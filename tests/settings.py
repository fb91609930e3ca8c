"""Test settings: the real settings, with fast password hashing and a throwaway data directory."""
import os
import tempfile

os.environ.setdefault("TOM_DATA_DIR", tempfile.mkdtemp(prefix="tom-test-"))

from tom.settings import *  # noqa: E402,F401,F403

ALLOWED_HOSTS = ["*"]
SECRET_KEY = "tests-only-" + "k3y-" * 12  # ALLOWED_HOSTS "*" with DEBUG off: the demo key would be refused
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TOM_NAME = "Test TOM"
DATA_SHARING = {}  # each test that shares sets its own destinations
# librdkafka's mock broker waits a session less a second before a consumer group that was just left can be
# joined again (a real broker does not): back-to-back readstreams runs of one group wait 2 s rather than 5.
ALERT_STREAMS_SESSION_SECONDS = 3.0
