"""Data products (uploaded files) and reduced data (the numbers taken from them, or received).

``ReducedDatum`` is one table for every data type, with real columns for what
photometry queries and plots need (bandpass, brightness, error, limit, unit,
telescope, instrument) and JSON for the rest (spectra's arrays, extra keys).

"The same datum" is defined by a fingerprint of its identifying fields,
unique per target in the database: a second copy cannot be stored, whichever
path it arrives by. Hashing the fields (rather than a unique index on the
columns themselves) also makes non-detections collide, where a column index
would not, since NULLs never compare equal in SQL.
"""
from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify

from targets.models import Target


def data_product_types() -> dict[str, str]:
    """``DATA_PRODUCT_TYPES`` as {key: display name} (the TOM Toolkit's values are (key, display) pairs)."""
    types = {}
    for key, value in getattr(settings, "DATA_PRODUCT_TYPES", {}).items():
        types[key] = value[1] if isinstance(value, (tuple, list)) else str(value)
    return types


def data_product_path(instance: "DataProduct", filename: str) -> str:
    """``<target slug>/<file name>`` under MEDIA_ROOT (the name's directories are dropped)."""
    return f"{slugify(instance.target.name) or 'target'}/{os.path.basename(filename)}"


class DataProductQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Data follow their target's permissions (the TOM Toolkit's TARGET_PERMISSIONS_ONLY)."""
        return self.filter(target__in=Target.objects.visible_to(user).values("pk"))


class DataProduct(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="data_products")
    product_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    data = models.FileField(upload_to=data_product_path, max_length=500)
    data_product_type = models.CharField(max_length=50)
    extra_data = models.TextField(blank=True, default="")
    featured = models.BooleanField(default=False)
    sha256 = models.CharField(max_length=64, editable=False, help_text="Of the file: the same file is kept once per target")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = DataProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["target", "sha256"], name="one_copy_of_a_file_per_target")]

    def __str__(self) -> str:
        return self.product_id or os.path.basename(self.data.name)

    @property
    def filename(self) -> str:
        return os.path.basename(self.data.name)

    def get_type_display(self) -> str:
        return data_product_types().get(self.data_product_type, self.data_product_type)

    def get_absolute_url(self) -> str:
        return reverse("dataproducts:download", args=[self.pk])

    def clean(self):
        if self.data_product_type not in data_product_types():
            raise ValidationError({"data_product_type": "Choose one of: " + ", ".join(data_product_types())})


class Origin(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    MANUAL = "manual", "Entered by hand"
    API = "api", "Received through the API"
    STREAM = "stream", "Alert stream"
    IMPORT = "import", "Imported from a TOM Toolkit"
    CODE = "code", "Written by code here (a processor, handler or script)"


class Ingest(models.Model):
    """Where a batch of reduced data came from: one row per upload, API call, form or stream message."""

    origin = models.CharField(max_length=20, choices=Origin.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             help_text="The account that uploaded, entered or sent the data")
    received_from = models.CharField(max_length=200, blank=True, default="",
                                     help_text="The sending TOM's name (X-TOM-Name): for people, never decides anything")
    claimed_tom_id = models.UUIDField(null=True, blank=True,
                                      help_text="The id the sending TOM claimed (X-TOM-Id); with ``user``, the account "
                                                "that sent it, this is where the data came from")
    stream_message = models.CharField(max_length=200, blank=True, default="",
                                      help_text="Topic and message id the data came in")
    data_product = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        who = self.received_from or (self.user.get_username() if self.user_id else "")
        return f"{self.get_origin_display()} {who} {self.created:%Y-%m-%d %H:%M}".strip()


def _toolkit_fields(kwargs: dict) -> bool:
    """Whether ``create``/``get_or_create`` keyword arguments are plain fields without an ingest: a row written the
    TOM Toolkit's way (target, data_product, data_type, timestamp, value, source_name, source_location...)."""
    return not ({"ingest", "ingest_id", "pk", "id"} & kwargs.keys()) and not any("__" in key for key in kwargs)


class ReducedDatumQuerySet(models.QuerySet):
    """Queries, plus the TOM Toolkit's writes: ``create``, ``get_or_create``, ``bulk_create`` (and ``save()``) of
    rows without an ingest go through ``services.save_datums`` (``dataproducts.toolkit_writes``): the same parsing,
    fingerprint and deduplication as every other path, an ``Ingest``, and continuous sharing queued once. Rows
    given their ingest and fingerprint (our own code's) are written as Django writes them.
    """

    #: ``dataproducts.toolkit_writes``, set by ``DataProductsConfig.ready()``: it stores through ``services``,
    #: which imports this module.
    toolkit_writes = None

    def visible_to(self, user):
        return self.filter(target__in=Target.objects.visible_to(user).values("pk"))

    def photometry(self):
        return self.filter(data_type="photometry")

    def create(self, **kwargs):
        """A datum already stored is not stored again: the stored row comes back (``get_or_create``'s first half)."""
        if not _toolkit_fields(kwargs):
            return super().create(**kwargs)
        return self.toolkit_writes.store_one(self.model(**kwargs))[1]

    def get_or_create(self, defaults=None, **kwargs):
        """``(datum, created)``, "the same datum" being the fingerprint's (``defaults`` count as the datum's fields)."""
        if not _toolkit_fields({**kwargs, **(defaults or {})}):
            return super().get_or_create(defaults=defaults, **kwargs)
        created, datum = self.toolkit_writes.store_one(self.model(**{**kwargs, **(defaults or {})}))
        return datum, created

    def bulk_create(self, objs, *args, **kwargs):
        """Datums already stored are skipped (their ``pk`` stays None, as with ``ignore_conflicts``); the new ones
        get theirs. One transaction: a bad datum, named by its row, stores nothing."""
        objs = list(objs)
        theirs = [obj for obj in objs if obj.ingest_id is None]
        ours = [obj for obj in objs if obj.ingest_id is not None]
        if theirs:
            self.toolkit_writes.store_many(theirs)
        if ours:
            super().bulk_create(ours, *args, **kwargs)
        return objs


class ReducedDatum(models.Model):
    # The three foreign keys have no constraint in the database (``db_constraint=False``): PostgreSQL checked
    # each of them row by row at commit, a third of a large insert's time (docs/benchmarks.md, "Photometry
    # ingest on PostgreSQL"). Django still cascades (and protects) on delete, and ``save_datums_many`` locks
    # the batch's targets and product (``FOR KEY SHARE``, what the constraint's check takes) before inserting;
    # the ingest row is always made in the same transaction.
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reduced_data", db_index=False,
                               db_constraint=False)
    data_product = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="reduced_data", db_index=False, db_constraint=False)
    data_type = models.CharField(max_length=100, db_index=False)
    timestamp = models.DateTimeField()
    value = models.JSONField(default=dict, blank=True)
    source_name = models.CharField(max_length=100, blank=True, default="")
    source_location = models.CharField(max_length=200, blank=True, default="")

    # Photometry, as columns: queries and plots read these without parsing JSON.
    bandpass = models.CharField(max_length=32, blank=True, default="")
    brightness = models.FloatField(null=True, blank=True, help_text="Magnitude or flux, in `unit`")
    brightness_error = models.FloatField(null=True, blank=True)
    limit = models.FloatField(null=True, blank=True, help_text="Limiting brightness of a non-detection")
    unit = models.CharField(max_length=32, blank=True, default="")
    telescope = models.CharField(max_length=255, blank=True, default="")
    instrument = models.CharField(max_length=255, blank=True, default="")
    exposure_time = models.FloatField(null=True, blank=True)

    ingest = models.ForeignKey(Ingest, on_delete=models.PROTECT, related_name="reduced_data", db_constraint=False)
    fingerprint = models.BigIntegerField(editable=False, help_text="Hash of the fields that identify the datum")

    objects = ReducedDatumQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = "reduced datum"
        verbose_name_plural = "reduced data"
        constraints = [
            models.UniqueConstraint(fields=["target", "fingerprint"], name="one_copy_of_a_datum_per_target"),
        ]
        indexes = [
            models.Index(fields=["target", "data_type", "timestamp"], name="datum_target_type_time_idx"),
            # Partial: datums received from peers and streams have no product and cost no index update
            # (a product's cascade delete, data_product_id IN (...), still uses it).
            models.Index(fields=["data_product"], condition=Q(data_product__isnull=False), name="datum_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.data_type} {self.target_id} {self.timestamp:%Y-%m-%d %H:%M:%S}"

    @property
    def is_limit(self) -> bool:
        return self.data_type == "photometry" and self.brightness is None

    @property
    def shown_unit(self) -> str:
        """The unit as pages show it: the stored one, else "mag" for photometry. A file or form without a unit
        gives magnitudes (the processors read magnitude columns; Hermes takes a bare brightness as AB mag)."""
        return self.unit or ("mag" if self.data_type == "photometry" else "")

    def save(self, *args, **kwargs):
        """A new row without an ingest (``ReducedDatum(...).save()``, the TOM Toolkit's way) is stored as
        ``objects.create`` stores it; if the same datum is already stored, this becomes that row."""
        if self._state.adding and self.ingest_id is None:
            ReducedDatumQuerySet.toolkit_writes.store_one(self, update=True)
            return
        super().save(*args, **kwargs)
