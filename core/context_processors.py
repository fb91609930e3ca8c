from django.conf import settings


def tom(request):
    """The TOM's name on every page (it is also what peers see as shared_from)."""
    return {"TOM_NAME": settings.TOM_NAME}
