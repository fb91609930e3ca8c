from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import metrics, tokens
from core.permissions import public
from targets import urls as targets_urls
from tom_targets import urls as toolkit_target_urls

from . import views
from .api import api

# Refusals and failures in words (core/errors.py): JSON under the APIs, an alert for htmx, else a page of the site.
handler400 = "core.errors.bad_request"  # a request Django cannot read (too large, too many fields) or a BadRequest
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("metrics/", metrics.metrics, name="metrics"),  # Prometheus; a token or an allowed address (core/metrics.py)
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", public(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/tokens/", tokens.tokens, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.revoke, name="token-revoke"),
    path("targets/", include("sharing.urls")),
    # Ours, plus the TOM Toolkit's names for our pages (targets:share...), for templates written for it.
    path("targets/", include((targets_urls.urlpatterns + toolkit_target_urls.urlpatterns, targets_urls.app_name))),
    path("", api.urls),  # /api/... and the TOM Toolkit's /targets/persistentshare/..., after the pages at targets/
    path("dataproducts/", include("dataproducts.urls")),
    path("alertstreams/", include("alertstreams.urls")),
    path("admin/", admin.site.urls),
]
