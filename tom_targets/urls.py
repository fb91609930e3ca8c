"""The TOM Toolkit's URL names in the ``targets`` namespace, for templates written for it (``{% url 'targets:share'
pk=target.id %}``...), each onto our page. ``tom/urls.py`` adds these to the ``targets`` namespace: ``targets`` itself
never depends on ``sharing``, this package may.

Each name reverses to our page's own URL (the TOM Toolkit's ``targetgrouping/`` is our ``targetlists/``), so there is
one address per page: our patterns, earlier in the URL configuration, answer it, and these only name it. Each
is the same view, so the same permission rule applies whichever name a link was made with.
"""
from __future__ import annotations

from django.urls import path

from sharing import continuous_views, list_views
from sharing import views as sharing_views
from targets import views as targets_views

urlpatterns = [
    path("<int:pk>/share/", sharing_views.share_page, name="share"),
    path("targetlists/", targets_views.targetlist_list, name="targetgrouping"),
    path("targetlists/<int:pk>/share/", list_views.share_list_page, name="share-group"),
    path("persistentshare/manage/", continuous_views.manage, name="persistent-share-manage-form"),
]
