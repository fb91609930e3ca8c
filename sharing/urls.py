from django.urls import path

from . import list_views, views

app_name = "sharing"

urlpatterns = [
    path("<int:pk>/share/", views.share_page, name="share"),
    path("<int:pk>/share/tabs/<slug:tab>/", views.share_tab, name="tab"),
    path("<int:pk>/share/photometry/", views.photometry_table, name="photometry"),
    path("<int:pk>/share/send/", views.share_now, name="send"),
    path("<int:pk>/share/preview/", views.share_preview, name="preview"),
    path("<int:pk>/share/download/", views.share_download, name="download"),
    path("targetlists/<int:pk>/share/", list_views.share_list_page, name="list-share"),
]
