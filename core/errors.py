"""Clear answers to requests refused before (or instead of) a view: JSON under the APIs, a page or a fragment elsewhere.

Django answers a request it cannot read (a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many fields, a ``BadRequest`` raised by a
view) with a bare "Bad Request (400)" HTML page, under ``/api/`` too. Here
the project's ``handler400``, ``handler403``, ``handler404`` and ``handler500``
say what was wrong in the answer the caller can use:

- an API client gets ``{"detail": ...}`` (TOM Toolkit senders show the
  ``detail`` of a 4xx to their users);
- htmx gets a dismissible alert, put at the top of the element the request
  was for (``HX-Reswap: afterbegin``), so the form or table the user acted on
  stays and the reason appears beside it (``base.html`` tells htmx to swap
  these 4xx answers; a 5xx is shown by ``static/tom/tom.js``);
- a browser gets a page in the site's layout (``400.html``, ``403.html``,
  ``404.html``, ``500.html``).

With ``DEBUG`` on, Django answers a 404 or a crash with its own debug page instead (htmx then shows that).
"""
from __future__ import annotations

import logging
import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

# The API's paths: /api/, and the TOM Toolkit's persistent-share paths under /targets/ (sharing/continuous/api.py)
# beside which live pages of ours (persistentshare/manage/, <pk>/persistentshare/create/...). openapi.json there
# was the persistent-share API's own schema, before it joined /api/openapi.json: kept, it costs nothing.
API_PATH = re.compile(
    r"/(api/|targets/persistentshare/(\d+/((retry|resume)/)?|openapi\.json)?$|targets/\d+/persistentshare/$)")

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 413: "Request too large", 500: "Server error"}
PAGES = {400: "400.html", 403: "403.html", 404: "404.html", 413: "400.html"}
NOT_FOUND = "There is no such page, or you may not view it."
NO_OBJECT = re.compile(r"No (?P<model>\w+) matches the given query\.")


def is_api_path(path: str) -> bool:
    """True for URLs answered by an API (JSON errors; HTTP Basic and token authentication)."""
    return API_PATH.match(path) is not None


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx sent (read from the header too: a refusal may come before django-htmx's middleware ran)."""
    return bool(getattr(request, "htmx", False)) or request.headers.get("HX-Request") == "true"


def error_response(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """``{"detail": message}`` under the APIs, an alert for htmx, else a page of this TOM saying ``message``."""
    if is_api_path(request.path):
        return JsonResponse({"detail": message}, status=status)
    context = {"message": message, "status": status, "title": TITLES.get(status, "Refused")}
    if is_htmx(request):
        response = render(request, "partials/request_error.html", context, status=status)
        response["HX-Reswap"] = "afterbegin"  # beside what the user acted on, not instead of it
        return response
    return render(request, PAGES.get(status, "400.html"), context, status=status)


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


def _own_words(exception, default: str) -> str:
    """The text our views gave the exception (``PermissionDenied("You may not ...")``), else ``default``.

    Django's own 404s carry a dict (the URL patterns tried), never shown; ``get_object_or_404`` says the same
    for an object that does not exist and one the user may not view, so neither reveals anything.
    """
    args = getattr(exception, "args", ())
    return args[0] if args and isinstance(args[0], str) and args[0] else default


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """``handler403``: an action on a visible object (or a page) this user may not take."""
    return error_response(request, _own_words(exception, "You do not have permission to do this."), 403)


def _in_words(message: str) -> str:
    """``get_object_or_404``'s "No PersistentShare matches the given query." in the words pages use."""
    match = NO_OBJECT.fullmatch(message)
    if match is None:
        return message
    # a proxy (tom_targets.PersistentShare) shares its concrete model's class name and rows: the concrete one names it
    names = {model.__name__: model._meta.verbose_name for model in apps.get_models() if not model._meta.proxy}
    name = names.get(match["model"], "object")
    return f"No such {name}: it does not exist, or you may not view it."


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """``handler404``: no such page or object, or one the user may not view (the same words for both)."""
    message = _in_words(_own_words(exception, NOT_FOUND)) if isinstance(exception, Http404) else NOT_FOUND
    return error_response(request, message, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: most often a page older than the user's last log-in (the token changed since), which
    htmx would otherwise fill with Django's own "Forbidden" page."""
    return error_response(request, "This page's form token is out of date (you logged in again since it was loaded, "
                                   "or your browser refuses this site's cookies): reload the page and try again.", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: rendered without the request's context, so a broken database cannot break it too.

    No context processor runs (no user, session or database query); the page has the site's layout and
    name. htmx does not swap a 5xx: ``static/tom/tom.js`` shows its own message where the user acted.
    """
    if is_api_path(request.path):
        return JsonResponse({"detail": "The server failed to answer this request."}, status=500)
    try:
        return HttpResponseServerError(loader.get_template("500.html").render({"TOM_NAME": settings.TOM_NAME}))
    except Exception:  # noqa: BLE001 - the last answer there is: it must not fail in turn
        logger.exception("500.html could not be rendered")
        return HttpResponseServerError("Server error: the TOM failed to answer this request.",
                                       content_type="text/plain; charset=utf-8")
