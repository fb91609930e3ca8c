"""Data products and reduced data follow their target's permissions (the TOM Toolkit's TARGET_PERMISSIONS_ONLY):
whoever may view the target may view and download its data; whoever may change it may upload and delete."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from core.permissions import has_object_perm, object_view

from .models import DataProduct, ReducedDatum


def data_product_for(user, pk, action: str = "view") -> DataProduct:
    product = get_object_or_404(DataProduct.objects.visible_to(user).select_related("target"), pk=pk)
    if action != "view" and not has_object_perm(user, "change", product.target):
        raise PermissionDenied("You may not change this target's data.")
    return product


def data_product_view(action: str = "view"):
    return object_view("dataproduct", data_product_for, action)


def datum_for(user, pk, action: str = "view") -> ReducedDatum:
    """The reduced datum ``pk``: 404 if its target is hidden from ``user``; any other action needs change on it."""
    datum = get_object_or_404(ReducedDatum.objects.visible_to(user).select_related("target"), pk=pk)
    if action != "view" and not has_object_perm(user, "change", datum.target):
        raise PermissionDenied("You may not change this target's data.")
    return datum
