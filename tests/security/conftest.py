"""Security tests of sharing: the fixtures of the continuous and API tests, for this package."""
from __future__ import annotations

from tests.api.conftest import api_as, forget_verified_passwords  # noqa: F401  (fixtures)
from tests.continuous.conftest import immediate, sharer  # noqa: F401  (fixtures)
