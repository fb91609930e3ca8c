from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import metrics, tokens, views
from .api import api
from .permissions import public
from sharing.continuous_api import continuous_api
from targets import urls as targets_urls
from tom_targets import urls as toolkit_target_urls

# Refusals and failures in words (tom/errors.py): JSON under the APIs, an alert for htmx, else a page of the site.
handler400 = "tom.errors.bad_request"  # a request Django cannot read (too large, too many fields) or a BadRequest
handler403 = "tom.errors.permission_denied"
handler404 = "tom.errors.page_not_found"
handler500 = "tom.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("metrics/", metrics.metrics, name="metrics"),  # Prometheus; a token or an allowed address (tom/metrics.py)
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", public(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/tokens/", tokens.tokens, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.revoke, name="token-revoke"),
    path("targets/", include("sharing.urls")),
    # Ours, plus the TOM Toolkit's names for our pages (targets:share...), for templates written for it.
    path("targets/", include((targets_urls.urlpatterns + toolkit_target_urls.urlpatterns, targets_urls.app_name))),
    path("targets/", continuous_api.urls),  # /targets/persistentshare/... (the TOM Toolkit's paths)
    path("dataproducts/", include("dataproducts.urls")),
    path("alertstreams/", include("alertstreams.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
