"""The browser tests here drive the same chromium as tests/e2e (its fixtures, imported)."""
from tests.e2e.conftest import browser, page  # noqa: F401
