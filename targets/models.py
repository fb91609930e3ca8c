"""Targets, their names, extras and lists, and who may see them.

Object permissions use django-guardian's direct foreign-key tables
(``TargetUserObjectPermission``...), not its generic tables: those join on a
text ``object_pk`` and are what made the TOM Toolkit's target list slow on
large databases (its issue #598).
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.urls import reverse
from django.utils import dateparse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .coordinates import CoordinateError, parse_dec, parse_ra
from .names import simplify_name


class TargetType(models.TextChoices):
    SIDEREAL = "SIDEREAL", "Sidereal"
    NON_SIDEREAL = "NON_SIDEREAL", "Non-sidereal"


class Scheme(models.TextChoices):
    MPC_MINOR_PLANET = "MPC_MINOR_PLANET", "MPC minor planet"
    MPC_COMET = "MPC_COMET", "MPC comet"
    JPL_MAJOR_PLANET = "JPL_MAJOR_PLANET", "JPL major planet"


SIDEREAL_FIELDS = ("ra", "dec", "epoch", "pm_ra", "pm_dec", "parallax", "distance", "distance_err")
ORBITAL_FIELDS = (
    "epoch_of_elements", "mean_anomaly", "arg_of_perihelion", "eccentricity", "lng_asc_node",
    "inclination", "mean_daily_motion", "semimajor_axis", "epoch_of_perihelion", "ephemeris_period",
    "ephemeris_period_err", "ephemeris_epoch", "ephemeris_epoch_err", "perihdist", "abs_mag", "slope",
)
# The TOM Toolkit's required-together rules (tom_toolkit_sharing.md §1.1).
REQUIRED_FIELDS = {
    TargetType.SIDEREAL: ("ra", "dec"),
    TargetType.NON_SIDEREAL: (
        "scheme", "epoch_of_elements", "inclination", "lng_asc_node", "arg_of_perihelion", "eccentricity",
    ),
}
SCHEME_REQUIRED_FIELDS = {
    Scheme.MPC_COMET: ("perihdist", "epoch_of_perihelion"),
    Scheme.MPC_MINOR_PLANET: ("mean_anomaly", "semimajor_axis"),
    Scheme.JPL_MAJOR_PLANET: ("mean_daily_motion", "mean_anomaly", "semimajor_axis"),
}


def required_fields(target_type: str, scheme: str = "") -> tuple[str, ...]:
    fields = REQUIRED_FIELDS.get(target_type, ())
    if target_type == TargetType.NON_SIDEREAL:
        fields += SCHEME_REQUIRED_FIELDS.get(scheme, ())
    return fields


def has_global_perm(user, app_label: str, codename: str) -> bool:
    """The model-level permission, from the user's own and groups' permissions, loaded in one query and kept
    on the user object for the rest of the request (Django's ModelBackend takes two)."""
    perms = getattr(user, "_perm_cache", None) or getattr(user, "_tom_global_perms", None)
    if perms is None:
        rows = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values_list(
            "content_type__app_label", "codename")
        perms = user._tom_global_perms = {f"{app}.{code}" for app, code in rows}
    return f"{app_label}.{codename}" in perms


def _permission_filter(model_user_perm, model_group_perm, user, codename: str) -> Q:
    """Rows the user holds ``codename`` on, directly or through a group, as one SQL condition."""
    user_perm = model_user_perm.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=codename
    )
    group_perm = model_group_perm.objects.filter(
        content_object=OuterRef("pk"), group__user=user, permission__codename=codename
    )
    return Q(Exists(user_perm)) | Q(Exists(group_perm))


class PermittedQuerySet(models.QuerySet):
    """``visible_to`` / ``permitted`` for a model with guardian direct-FK permission tables."""

    user_perm_model_name: str = ""
    group_perm_model_name: str = ""

    def _global_rule(self, user, action: str) -> tuple[str, bool | None]:
        """The permission's codename, and True/False when the user's standing decides it for every object."""
        codename = f"{action}_{self.model._meta.model_name}"
        if user is None or not user.is_authenticated or not user.is_active:
            return codename, False
        if user.is_superuser or has_global_perm(user, self.model._meta.app_label, codename):
            return codename, True
        return codename, None

    def perm_model(self, kind: str):
        """Guardian's direct-FK table of this model: kind "user" or "group"."""
        opts = self.model._meta
        name = self.user_perm_model_name if kind == "user" else self.group_perm_model_name
        return opts.apps.get_model(opts.app_label, name)

    def permitted(self, user, action: str = "view"):
        """Objects ``user`` may ``action`` (view, change, delete), filtered in SQL.

        Superusers and holders of the global permission see everything; the
        cost is a constant number of queries whatever the table size.
        """
        codename, decided = self._global_rule(user, action)
        if decided is not None:
            return self if decided else self.none()
        return self.filter(_permission_filter(self.perm_model("user"), self.perm_model("group"), user, codename))

    def visible_to(self, user):
        return self.permitted(user, "view")

    def allows(self, user, action: str, pk) -> bool:
        """Whether ``user`` may ``action`` the object ``pk`` (same rules as ``permitted``), for one object.

        One small statement with indexed lookups instead of ``permitted(...).filter(pk=pk)``: on the
        API's one-datum-per-request path, building that ORM query cost more than running it.
        """
        codename, decided = self._global_rule(user, action)
        if decided is not None:
            return decided
        with connection.cursor() as cursor:
            cursor.execute(self._object_perm_sql(), [pk, user.pk, codename, pk, user.pk, codename])
            return cursor.fetchone() is not None

    def _object_perm_sql(self) -> str:
        """One statement over guardian's two direct-FK tables (SQL written once per model, then reused)."""
        cached = _OBJECT_PERM_SQL.get(self.model)
        if cached is None:
            q = connection.ops.quote_name
            user_table = q(self.perm_model("user")._meta.db_table)
            group_table = q(self.perm_model("group")._meta.db_table)
            perm_table = q(Permission._meta.db_table)
            user_groups = q(get_user_model().groups.through._meta.db_table)
            cached = _OBJECT_PERM_SQL[self.model] = (
                f"SELECT 1 FROM {user_table} u JOIN {perm_table} p ON p.id = u.permission_id "
                "WHERE u.content_object_id = %s AND u.user_id = %s AND p.codename = %s "
                f"UNION ALL SELECT 1 FROM {group_table} g JOIN {perm_table} p ON p.id = g.permission_id "
                f"JOIN {user_groups} ug ON ug.group_id = g.group_id "
                "WHERE g.content_object_id = %s AND ug.user_id = %s AND p.codename = %s LIMIT 1"
            )
        return cached


_OBJECT_PERM_SQL: dict = {}


def key_prefix_range(key: str) -> tuple[str, str]:
    """The [low, high) range of simplified keys starting with ``key``: a range scan on the unique index."""
    return key, key + "\U0010ffff"


def name_key_prefix(key: str):
    """TargetName rows whose simplified key starts with ``key``."""
    low, high = key_prefix_range(key)
    return TargetName.objects.filter(key__gte=low, key__lt=high)


class TargetQuerySet(PermittedQuerySet):
    user_perm_model_name = "TargetUserObjectPermission"
    group_perm_model_name = "TargetGroupObjectPermission"

    # Above this many matching names, filtering targets by EXISTS (walking targets in page order) beats
    # collecting the matching target ids; below it, the id list is far cheaper (measured by bench/targets.py).
    SEARCH_ID_LIST_LIMIT = 5000

    def search(self, text: str):
        """Targets with a name or alias that starts with ``text``, in any spelling.

        A prefix match on the stored simplified key uses its index. A narrow
        search filters by the (few) matching target ids; a broad one (many
        names match) checks each target in page order instead, which stops as
        soon as the page is full.
        """
        key = simplify_name(text)
        if not key:
            return self
        names = name_key_prefix(key)
        if names.order_by()[:self.SEARCH_ID_LIST_LIMIT + 1].count() <= self.SEARCH_ID_LIST_LIMIT:
            return self.filter(pk__in=names.values("target_id"))
        return self.filter(Exists(names.filter(target=OuterRef("pk"))))

    def search_count_queryset(self, text: str):
        """The same rows as ``search`` for counting: driven by the names index, cheap at any match density."""
        key = simplify_name(text)
        if not key:
            return self
        low, high = key_prefix_range(key)
        return self.filter(names__key__gte=low, names__key__lt=high).distinct()

    def matching_name(self, name: str):
        """Targets whose name or an alias is ``name`` after simplification (the fuzzy match)."""
        return self.filter(names__key=simplify_name(name))

    def cone(self, ra: float, dec: float, radius_arcsec: float):
        """Sidereal targets within ``radius_arcsec`` of (ra, dec), annotated with ``separation`` in arcsec.

        A declination band (indexed) and a right-ascension window narrow the
        rows before the exact haversine distance is computed in SQL.
        """
        radius = radius_arcsec / 3600.0
        qs = self.filter(dec__gte=max(-90.0, dec - radius), dec__lte=min(90.0, dec + radius))
        if abs(dec) + radius < 89.0 and radius < 90:
            half_width = math.degrees(
                math.asin(min(1.0, math.sin(math.radians(radius)) / math.cos(math.radians(abs(dec) + radius))))
            ) if radius > 0 else 0.0
            low, high = ra - half_width, ra + half_width
            if low < 0:
                qs = qs.filter(Q(ra__gte=low + 360) | Q(ra__lte=high))
            elif high >= 360:
                qs = qs.filter(Q(ra__gte=low) | Q(ra__lte=high - 360))
            else:
                qs = qs.filter(ra__gte=low, ra__lte=high)
        return (
            qs.filter(ra__isnull=False, dec__isnull=False)
            .annotate(separation=separation_arcsec(models.F("ra"), models.F("dec"), ra, dec))
            .filter(separation__lte=radius_arcsec)
        )


def _radians(angle):
    return math.radians(angle) if isinstance(angle, (int, float)) else Radians(angle)


def _cos(angle):
    return math.cos(angle) if isinstance(angle, (int, float)) else Cos(angle)


def separation_arcsec(ra, dec, ra0, dec0):
    """SQL for the angle between (ra, dec) and (ra0, dec0), in arcsec (haversine, exact at small angles).

    Each is in degrees: a column (``F``), an outer query's column (``OuterRef``) or a number; the numbers'
    trigonometry is done here once rather than in SQL for every row.
    """
    d_dec = _radians(dec) - _radians(dec0)
    d_ra = _radians(ra) - _radians(ra0)
    haversine = Power(Sin(d_dec / 2), 2) + _cos(_radians(dec)) * _cos(_radians(dec0)) * Power(Sin(d_ra / 2), 2)
    return 2 * ASin(Sqrt(haversine)) * (180.0 / math.pi) * 3600.0


def validate_ra(value: float) -> None:
    try:
        parse_ra(value)
    except CoordinateError as exc:
        raise ValidationError(str(exc)) from None


def validate_dec(value: float) -> None:
    try:
        parse_dec(value)
    except CoordinateError as exc:
        raise ValidationError(str(exc)) from None


class Target(models.Model):
    name = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=20, choices=TargetType.choices, default=TargetType.SIDEREAL)

    ra = models.FloatField(null=True, blank=True, validators=[validate_ra], help_text="Right ascension, degrees")
    dec = models.FloatField(null=True, blank=True, validators=[validate_dec], help_text="Declination, degrees")
    epoch = models.FloatField(null=True, blank=True, help_text="Julian years")
    pm_ra = models.FloatField(null=True, blank=True, help_text="Proper motion in RA, mas/yr")
    pm_dec = models.FloatField(null=True, blank=True, help_text="Proper motion in Dec, mas/yr")
    parallax = models.FloatField(null=True, blank=True, help_text="mas")
    distance = models.FloatField(null=True, blank=True, help_text="pc")
    distance_err = models.FloatField(null=True, blank=True, help_text="pc")

    scheme = models.CharField(max_length=50, choices=Scheme.choices, blank=True, default="")
    epoch_of_elements = models.FloatField(null=True, blank=True, help_text="MJD")
    mean_anomaly = models.FloatField(null=True, blank=True, help_text="degrees")
    arg_of_perihelion = models.FloatField(null=True, blank=True, help_text="degrees")
    eccentricity = models.FloatField(null=True, blank=True)
    lng_asc_node = models.FloatField(null=True, blank=True, help_text="Longitude of ascending node, degrees")
    inclination = models.FloatField(null=True, blank=True, help_text="degrees")
    mean_daily_motion = models.FloatField(null=True, blank=True, help_text="degrees/day")
    semimajor_axis = models.FloatField(null=True, blank=True, help_text="AU")
    epoch_of_perihelion = models.FloatField(null=True, blank=True, help_text="MJD")
    ephemeris_period = models.FloatField(null=True, blank=True, help_text="days")
    ephemeris_period_err = models.FloatField(null=True, blank=True, help_text="days")
    ephemeris_epoch = models.FloatField(null=True, blank=True)
    ephemeris_epoch_err = models.FloatField(null=True, blank=True)
    perihdist = models.FloatField(null=True, blank=True, help_text="Perihelion distance, AU")
    abs_mag = models.FloatField(null=True, blank=True)
    slope = models.FloatField(null=True, blank=True)

    shared_by = models.CharField(max_length=150, blank=True, default="", help_text="Who shared it to us")
    shared_from = models.CharField(max_length=200, blank=True, default="", help_text="The TOM it came from")
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        permissions = [("share_target", "Can share the target and its data with other TOMs")]
        indexes = [
            # (dec, ra): a cone search's dec band is read from the index, and its ra window checked inside it
            models.Index(fields=["dec", "ra"], name="target_dec_ra_idx"),
            models.Index(fields=["ra"], name="target_ra_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ra__isnull=True) | (Q(ra__gte=0) & Q(ra__lt=360)), name="target_ra_range"
            ),
            models.CheckConstraint(
                condition=Q(dec__isnull=True) | (Q(dec__gte=-90) & Q(dec__lte=90)), name="target_dec_range"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="target_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("targets:detail", args=[self.pk])

    def save(self, *args, **kwargs):
        """Save, and keep the primary ``TargetName`` row (which holds the name's unique key) in step."""
        super().save(*args, **kwargs)
        key = simplify_name(self.name)
        if not TargetName.objects.filter(target=self, primary=True).update(name=self.name, key=key):
            TargetName.objects.create(target=self, name=self.name, key=key, primary=True)

    def clean(self):
        # The admin's forms validate through here; pages and the API use targets.services.
        from .services import check_names, check_required

        errors = check_required({f.name: getattr(self, f.name) for f in self._meta.concrete_fields})
        if self.name:
            errors.update({k: v for k, v in check_names(self.name, [], self).items() if k == "name"})
        if errors:
            raise ValidationError(errors)

    @property
    def is_sidereal(self) -> bool:
        return self.type == TargetType.SIDEREAL

    def alias_names(self) -> list[str]:
        """Aliases in creation order (uses prefetched ``names`` when present)."""
        return [n.name for n in self.names.all() if not n.primary]

    def all_names(self) -> list[str]:
        return [self.name, *self.alias_names()]


class TargetName(models.Model):
    """Every name of a target, its primary name included, with its simplified key.

    Keeping the primary name here too lets one unique index on ``key`` refuse a
    name or alias that clashes, in any spelling, with any other target's name
    or alias. ``Target.alias_names()`` are the rows with ``primary=False``.
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=100, unique=True, editable=False)
    primary = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["target"], condition=Q(primary=True), name="one_primary_name_per_target"),
            models.CheckConstraint(condition=~Q(key=""), name="target_name_key_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = simplify_name(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        self.key = simplify_name(self.name)
        if not self.key:
            raise ValidationError({"name": "A name cannot be empty (or only spaces, -, _, brackets)."})
        # No user here (the admin's inline forms): the refusal names no other target (see services.check_names).
        if TargetName.objects.filter(key=self.key).exclude(pk=self.pk).exists():
            raise ValidationError({"name": f"{self.name!r} is already used by another target."})


def _typed(value: str) -> tuple[float | None, bool | None, datetime | None]:
    text = (value or "").strip()
    number = boolean = moment = None
    try:
        number = float(text)
        if not math.isfinite(number):
            number = None
    except ValueError:
        pass
    if text.lower() in {"true", "yes"}:
        boolean = True
    elif text.lower() in {"false", "no"}:
        boolean = False
    if number is None:
        try:
            moment = dateparse.parse_datetime(text)
            if moment is None:
                day = dateparse.parse_date(text)
                moment = datetime(day.year, day.month, day.day) if day else None
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    return number, boolean, moment


class TargetExtra(models.Model):
    """A key/value pair on a target; the value is text, with typed views for sorting and filtering."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="extras")
    key = models.CharField(max_length=200)
    value = models.TextField(blank=True, default="")
    float_value = models.FloatField(null=True, blank=True, editable=False)
    bool_value = models.BooleanField(null=True, blank=True, editable=False)
    time_value = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["target", "key"], name="one_value_per_extra_key")]
        indexes = [models.Index(fields=["key", "float_value"], name="extra_key_float_idx")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"

    def save(self, *args, **kwargs):
        self.float_value, self.bool_value, self.time_value = _typed(self.value)
        super().save(*args, **kwargs)

    @property
    def typed_value(self):
        """The value as the type it reads as: number, boolean, time, else text."""
        for typed in (self.float_value, self.bool_value, self.time_value):
            if typed is not None:
                return typed
        return self.value


class TargetListQuerySet(PermittedQuerySet):
    user_perm_model_name = "TargetListUserObjectPermission"
    group_perm_model_name = "TargetListGroupObjectPermission"


class TargetList(models.Model):
    """A named group of targets (the TOM Toolkit's "Target Group"). Names need not be unique."""

    name = models.CharField(max_length=200)
    targets = models.ManyToManyField(Target, related_name="target_lists", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = TargetListQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="target_list_name_not_empty")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("targets:list-detail", args=[self.pk])


class TargetUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Target, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class TargetGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Target, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class TargetListUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TargetList, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class TargetListGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TargetList, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass

