"""Fixtures of the continuous-sharing tests (users with the persistentshare permissions, the immediate task
backend, a second TOM of ours), for this package's tests of the TOM Toolkit's documented ways."""
from __future__ import annotations

from tests.continuous.conftest import immediate, sharer, to_second  # noqa: F401  (fixtures, for this package)
from tests.sharing.conftest import second_tom  # noqa: F401  (the fixture, for this package)
