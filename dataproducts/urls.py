from django.urls import path

from . import views

app_name = "dataproducts"

urlpatterns = [
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("target/<int:pk>/", views.products, name="products"),
    path("target/<int:pk>/upload/", views.upload, name="upload"),
    path("target/<int:pk>/photometry/", views.photometry, name="photometry"),
    path("target/<int:pk>/photometry/add/", views.add_photometry, name="add-photometry"),
    path("target/<int:pk>/photometry.<slug:fmt>", views.export_photometry, name="export-photometry"),
    path("target/<int:pk>/lightcurve/", views.light_curve, name="lightcurve"),
    path("target/<int:pk>/spectra/", views.spectra, name="spectra"),
]
