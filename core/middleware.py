"""Requests refused before any view runs: API writes a browser marks as cross-site, text carrying NUL characters.

Cross-site API writes
---------------------
The APIs accept HTTP Basic and tokens without a CSRF token (TOM Toolkit
senders have no session). A browser that once has Basic credentials for this
site sends them with any request to it, including a form another site's page
submits, so an unsafe API request (POST, PUT, PATCH, DELETE) that a browser
says comes from another site is refused with a JSON 403 naming why:
an ``Origin`` that is neither this site nor in ``CSRF_TRUSTED_ORIGINS``, or
(without ``Origin``) ``Sec-Fetch-Site: cross-site`` or ``same-site`` (a
sibling host such as a student's pages under the same domain is another site
to us). Requests without those headers (TOM Toolkit senders, our own, curl)
pass: only browsers send them, and a page cannot remove them.

NUL characters
--------------
PostgreSQL cannot store or even compare text containing NUL (psycopg raises
on it), so such a name, filter or form field would otherwise end in a 500 on
PostgreSQL while SQLite accepts it.

- Under the APIs (``/api/``, the persistent-share API), the query string, the
  path and the body (JSON or form) are checked: a JSON 400.
- Everywhere, the text fields of a multipart form (and the names of uploaded
  files) are checked: the pages' forms refuse NUL in their own fields
  (Django's ProhibitNullCharactersValidator), but an API's ``Form[str]`` and
  a page's hand-read field do not. The 400 names the field. Uploaded file
  contents may hold any bytes and are not checked.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.utils.http import is_same_domain

from .errors import error_response, is_api_path

NUL_MARKERS = (b"\\u0000", b"\x00")


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api_path(request.path)
        if api and self._nul_in_url_or_body(request):
            return JsonResponse({"detail": "Text may not contain NUL (\\u0000) characters."}, status=400)
        field = self._multipart_field_with_nul(request)
        if field is not None:
            return error_response(request, f"{field}: text may not contain NUL (\\u0000) characters.", 400)
        return self.get_response(request)

    @staticmethod
    def _nul_in_url_or_body(request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        if request.content_type == "multipart/form-data":
            return False
        body = request.body
        return any(marker in body for marker in NUL_MARKERS)

    @staticmethod
    def _multipart_field_with_nul(request) -> str | None:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "\\u0000")
        for name, files in request.FILES.lists():
            if "\x00" in name or any("\x00" in (upload.name or "") for upload in files):
                return name.replace("\x00", "\\u0000")
        return None


SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _trusted_origin(request, origin: str) -> bool:
    """This site's own origin, or one of ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.org`` included),
    as Django's CSRF check reads them."""
    if origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:  # "http://[::1" and the like
        return False
    return any(
        "*" in trusted and urlsplit(trusted).scheme == parsed.scheme
        and is_same_domain(parsed.netloc, urlsplit(trusted).netloc.lstrip("*"))
        for trusted in settings.CSRF_TRUSTED_ORIGINS
    )


def cross_site_reason(request) -> str | None:
    """Why a browser's request comes from another site, or None when nothing says it does."""
    origin = request.headers.get("Origin")
    if origin is not None:
        if _trusted_origin(request, origin):
            return None
        return (f"Cross-site request refused: it comes from a page at {origin[:200]}, not this site "
                "(add it to CSRF_TRUSTED_ORIGINS if it should write here).")
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    if fetch_site in ("cross-site", "same-site"):
        return f"Cross-site request refused: the browser marked it Sec-Fetch-Site: {fetch_site}."
    return None


class RefuseCrossSiteApiWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS and is_api_path(request.path):
            reason = cross_site_reason(request)
            if reason:
                return JsonResponse({"detail": reason}, status=403)
        return self.get_response(request)
