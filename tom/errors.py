"""Clear answers to requests refused before (or instead of) a view: JSON under the APIs, a page elsewhere.

Django answers a request it cannot read (a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many fields, a ``BadRequest`` raised by a
view) with a bare "Bad Request (400)" HTML page, under ``/api/`` too. Here
``bad_request`` (the project's ``handler400``) says what was wrong, in JSON
where the caller is an API client (TOM Toolkit senders show the ``detail`` of a
4xx to their users).
"""
from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

# Our two NinjaAPIs: /api/, and the TOM Toolkit's persistent-share paths under /targets/ (sharing/continuous_api.py)
# beside which live pages of ours (persistentshare/manage/, <pk>/persistentshare/create/...).
API_PATH = re.compile(r"/(api/|targets/persistentshare/(\d+/(retry/)?|openapi\.json)?$|targets/\d+/persistentshare/$)")


def is_api_path(path: str) -> bool:
    """True for URLs answered by an API (JSON errors; HTTP Basic and token authentication)."""
    return API_PATH.match(path) is not None


def error_response(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """``{"detail": message}`` under the APIs, else a page of this TOM saying ``message``."""
    if is_api_path(request.path):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "tom/error.html", {"message": message, "status": status}, status=status)


def _explain(exception) -> tuple[str, int]:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
        return (f"The request is too large: this TOM reads at most {limit} MiB of data besides uploaded files. "
                "Send large tables as a file upload, or in several requests.", 413)
    if isinstance(exception, TooManyFieldsSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields.", 400
    if isinstance(exception, TooManyFilesSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.", 400
    if isinstance(exception, MultiPartParserError):
        return f"The multipart form could not be read: {exception}", 400
    if isinstance(exception, BadRequest) and str(exception):
        return str(exception), 400
    # Other SuspiciousOperations (a disallowed Host header...): their text may echo the request; not shown.
    return "The request could not be understood.", 400


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """The project's ``handler400``: what was wrong with the request, in words (JSON under the APIs)."""
    message, status = _explain(exception)
    return error_response(request, message, status)
