from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("", views.target_list, name="list"),
    path("export.csv", views.target_export, name="export"),
    path("create/", views.target_create, name="create"),
    path("import/", views.target_import, name="import"),
    path("import/sample.csv", views.target_import_sample, name="import-sample"),
    path("<int:pk>/", views.target_detail, name="detail"),
    path("<int:pk>/sections/<slug:section>/", views.target_section, name="section"),
    path("<int:pk>/update/", views.target_update, name="update"),
    path("<int:pk>/delete/", views.target_delete, name="delete"),
    path("<int:pk>/lists/", views.target_membership, name="membership"),
    path("targetlists/", views.targetlist_list, name="lists"),
    path("targetlists/create/", views.targetlist_create, name="list-create"),
    path("targetlists/add/", views.targetlist_add, name="list-add"),
    path("targetlists/<int:pk>/", views.targetlist_detail, name="list-detail"),
    path("targetlists/<int:pk>/update/", views.targetlist_update, name="list-update"),
    path("targetlists/<int:pk>/delete/", views.targetlist_delete, name="list-delete"),
    path("targetlists/<int:pk>/remove/", views.targetlist_remove, name="list-remove"),
]
