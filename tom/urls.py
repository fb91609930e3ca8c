from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import tokens, views
from .api import api
from .permissions import public
from sharing.continuous_api import continuous_api
from targets import urls as targets_urls
from tom_targets import urls as toolkit_target_urls

# A request Django cannot read (too large, too many fields) or a view's BadRequest: a clear 400/413, JSON under /api/.
handler400 = "tom.errors.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
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
