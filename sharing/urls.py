from django.urls import path

from . import continuous_views, list_views, views

app_name = "sharing"

urlpatterns = [
    path("persistentshare/manage/", continuous_views.manage, name="persistentshare-manage"),
    path("persistentshare/manage/table/", continuous_views.manage_table, name="persistentshare-manage-table"),
    path("persistentshare/manage/create/", continuous_views.manage_create, name="persistentshare-manage-create"),
    path("persistentshare/manage/targets/", continuous_views.target_choices, name="persistentshare-targets"),
    path("<int:pk>/persistentshare/table/", continuous_views.table, name="persistentshare-table"),
    path("<int:pk>/persistentshare/create/", continuous_views.create, name="persistentshare-create"),
    path("<int:pk>/persistentshare/<int:share_pk>/delete/", continuous_views.delete, name="persistentshare-delete"),
    path("<int:pk>/persistentshare/<int:share_pk>/retry/", continuous_views.retry, name="persistentshare-retry"),
    path("<int:pk>/persistentshare/<int:share_pk>/resume/", continuous_views.resume, name="persistentshare-resume"),
    path("<int:pk>/share/", views.share_page, name="share"),
    path("<int:pk>/share/tabs/<slug:tab>/", views.share_tab, name="tab"),
    path("<int:pk>/share/photometry/", views.photometry_table, name="photometry"),
    path("<int:pk>/share/send/", views.share_now, name="send"),
    path("<int:pk>/share/preview/", views.share_preview, name="preview"),
    path("<int:pk>/share/download/", views.share_download, name="download"),
    path("targetlists/<int:pk>/share/", list_views.share_list_page, name="list-share"),
]
