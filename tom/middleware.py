"""Requests to the API carrying NUL characters get a JSON 400 before any view runs.

PostgreSQL cannot store or even compare text containing NUL (psycopg raises
on it), so such a name or filter would otherwise end in a 500 on PostgreSQL
while SQLite accepts it. The pages' forms already refuse NUL (Django's
ProhibitNullCharactersValidator); uploaded files (multipart) may hold any
bytes and are not checked.
"""
from __future__ import annotations

from django.http import JsonResponse

NUL_MARKERS = (b"\\u0000", b"\x00")


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and self._has_nul(request):
            return JsonResponse({"detail": "Text may not contain NUL (\\u0000) characters."}, status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        if request.content_type == "multipart/form-data":
            return False
        body = request.body
        return any(marker in body for marker in NUL_MARKERS)
