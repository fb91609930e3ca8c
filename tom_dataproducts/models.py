"""``from tom_dataproducts.models import DataProduct, ReducedDatum`` as in the TOM Toolkit: our models."""
from __future__ import annotations

from dataproducts.models import DataProduct, ReducedDatum

__all__ = ["DataProduct", "ReducedDatum"]
