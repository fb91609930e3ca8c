"""Requests refused before any view runs: text carrying NUL characters.

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

from django.http import JsonResponse

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

