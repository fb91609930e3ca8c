from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import tokens, views
from .api import api
from .permissions import public
from sharing.continuous_api import continuous_api

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
    path("targets/", include("targets.urls")),
    path("targets/", continuous_api.urls),  # /targets/persistentshare/... (the TOM Toolkit's paths)
    path("dataproducts/", include("dataproducts.urls")),
    path("alertstreams/", include("alertstreams.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
