"""Data products and reduced data follow their target's permissions (the TOM Toolkit's TARGET_PERMISSIONS_ONLY):
whoever may view the target may view and download its data; whoever may change it may upload and delete."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tom.permissions import has_object_perm, object_view

from .models import DataProduct


def data_product_for(user, pk, action: str = "view") -> DataProduct:
    product = get_object_or_404(DataProduct.objects.visible_to(user).select_related("target"), pk=pk)
    if action != "view" and not has_object_perm(user, "change", product.target):
        raise PermissionDenied("You may not change this target's data.")
    return product


def data_product_view(action: str = "view"):
    return object_view("dataproduct", data_product_for, action)
