"""Forms for targets and target lists.

Forms only parse what people type (decimal or sexagesimal coordinates,
aliases one per line, extras as ``key = value`` lines); the rules live in
``targets.services`` and their errors come back here onto the right field.
"""
from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.urls import reverse

from .coordinates import CoordinateError, parse_dec, parse_ra, parse_radius_arcsec
from .models import ORBITAL_FIELDS, SIDEREAL_FIELDS, Scheme, Target, TargetList, TargetType, required_fields
from .names import split_aliases
from .permissions import groups_for
from .services import TargetInput, validate

FORM_FIELDS = ("name", "type", *SIDEREAL_FIELDS, "scheme", *ORBITAL_FIELDS)
# Every field in words, with its unit: the form's labels and the import page's column list. The model keeps
# the TOM Toolkit's field names (they are the wire format and the CSV header); people read these.
LABELS: dict[str, str] = {
    "name": "Name",
    "type": "Type",
    "ra": "Right ascension (deg or hh:mm:ss)",
    "dec": "Declination (deg or dd:mm:ss)",
    "epoch": "Epoch of the coordinates (Julian year)",
    "pm_ra": "Proper motion in RA (mas/yr)",
    "pm_dec": "Proper motion in Dec (mas/yr)",
    "parallax": "Parallax (mas)",
    "distance": "Distance (pc)",
    "distance_err": "Distance uncertainty (pc)",
    "scheme": "Orbital element scheme",
    "epoch_of_elements": "Epoch of elements (MJD)",
    "mean_anomaly": "Mean anomaly (deg)",
    "arg_of_perihelion": "Argument of perihelion (deg)",
    "eccentricity": "Eccentricity",
    "lng_asc_node": "Longitude of ascending node (deg)",
    "inclination": "Inclination (deg)",
    "mean_daily_motion": "Mean daily motion (deg/day)",
    "semimajor_axis": "Semimajor axis (AU)",
    "epoch_of_perihelion": "Epoch of perihelion (MJD)",
    "ephemeris_period": "Ephemeris period (days)",
    "ephemeris_period_err": "Ephemeris period uncertainty (days)",
    "ephemeris_epoch": "Ephemeris epoch (days)",
    "ephemeris_epoch_err": "Ephemeris epoch uncertainty (days)",
    "perihdist": "Perihelion distance (AU)",
    "abs_mag": "Absolute magnitude H",
    "slope": "Slope parameter G",
}
# The non-sidereal fieldset's order: the elements every scheme needs, then the schemes' own, then the rest.
ORBITAL_LAYOUT = (
    "scheme", "epoch_of_elements", "inclination", "lng_asc_node", "arg_of_perihelion", "eccentricity",
    "mean_anomaly", "semimajor_axis", "mean_daily_motion", "perihdist", "epoch_of_perihelion", "abs_mag", "slope",
    "ephemeris_period", "ephemeris_period_err", "ephemeris_epoch", "ephemeris_epoch_err",
)
HELP = {
    "ra": "Degrees (187.25) or hours (12:29:00, 12h29m00s).",
    "dec": "Degrees (-45.5) or sexagesimal (-45:30:00).",
    "epoch": "e.g. 2000",
}


def required_when(name: str) -> str:
    """The "TYPE/SCHEME" cases that require field ``name``, space-separated, read from ``required_fields``.

    The form's script marks a field required when the chosen type and scheme are one of these: the rules
    stay in Python (``targets.models``) and the page is told their outcome for every case.
    """
    cases = [f"{target_type}/{scheme}" for target_type in TargetType.values for scheme in ("", *Scheme.values)
             if name in required_fields(target_type, scheme)]
    return " ".join(cases)


def parse_extras(text: str) -> dict[str, str]:
    """``key = value`` (or ``key: value``) lines into a dict; the bad line is named."""
    extras: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        separator = "=" if "=" in line else ":" if ":" in line else None
        if separator is None:
            raise ValidationError(f"Line {number} ({line.strip()!r}) is not 'key = value'.")
        key, value = (part.strip() for part in line.split(separator, 1))
        if not key:
            raise ValidationError(f"Line {number} has no key before {separator!r}.")
        if key in extras:
            raise ValidationError(f"Line {number} repeats the key {key!r}.")
        extras[key] = value
    return extras


class GroupAccessForm(forms.Form):
    """Which of the user's groups may view, or view and change, what is being created."""

    view_groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Groups that may view",
    )
    change_groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Groups that may change",
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["view_groups"].queryset = groups_for(user)
            self.fields["change_groups"].queryset = groups_for(user)


class TargetForm(GroupAccessForm):
    ra = forms.CharField(required=False)
    dec = forms.CharField(required=False)
    aliases = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line (or separated by ;)."
    )
    extras = forms.CharField(
        required=False, label="Extra fields", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One 'key = value' per line, e.g. redshift = 0.034",
    )

    def __init__(self, *args, instance: Target | None = None, **kwargs):
        self.instance = instance
        self.clashing_targets: list[tuple[str, str]] = []  # (name, url) of visible targets a name clashed with
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(Target, fields=[f for f in FORM_FIELDS if f not in ("ra", "dec")])
        for name in FORM_FIELDS:
            if name not in ("ra", "dec"):
                self.fields[name] = model_fields[name]
        self.fields["type"].initial = TargetType.SIDEREAL
        for name in FORM_FIELDS:
            field = self.fields[name]
            field.label, field.help_text = LABELS[name], HELP.get(name, "")
            cases = "*" if field.required else required_when(name)  # "*": in every case
            if cases:
                field.widget.attrs["data-required-when"] = cases
        self.order_fields(["name", "type", "ra", "dec", *FORM_FIELDS, "aliases", "extras"])

    @property
    def sidereal_fields(self) -> list:
        return [self[name] for name in SIDEREAL_FIELDS]

    @property
    def orbital_fields(self) -> list:
        return [self[name] for name in ORBITAL_LAYOUT]

    def _coordinate(self, name: str, parse) -> float | None:
        """Degrees from what was typed (sexagesimal or decimal), or None when the field was left empty."""
        value = self.cleaned_data.get(name, "")
        if value in (None, ""):
            return None
        try:
            return parse(value)
        except CoordinateError as exc:
            raise ValidationError(str(exc)) from None

    def clean_ra(self):
        return self._coordinate("ra", parse_ra)

    def clean_dec(self):
        return self._coordinate("dec", parse_dec)

    def clean_aliases(self):
        return split_aliases(self.cleaned_data.get("aliases", ""))

    def clean_extras(self):
        return parse_extras(self.cleaned_data.get("extras", ""))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            validate(self.target_input(), self.instance, self.user)
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
                self.clashing_targets += [
                    (e.params["target_name"], reverse("targets:detail", args=[e.params["target_pk"]]))
                    for e in errors if e.code == "name_taken" and "target_pk" in (e.params or {})]
        return cleaned

    def target_input(self) -> TargetInput:
        fields = {name: self.cleaned_data.get(name) for name in FORM_FIELDS}
        fields["name"] = (fields.get("name") or "").strip()
        return TargetInput(fields, self.cleaned_data.get("aliases", []), self.cleaned_data.get("extras", {}))

    @classmethod
    def initial_for(cls, target: Target, view_groups, change_groups) -> dict:
        initial = {name: getattr(target, name) for name in FORM_FIELDS}
        initial["aliases"] = "\n".join(target.alias_names())
        initial["extras"] = "\n".join(f"{e.key} = {e.value}" for e in target.extras.all())
        initial["view_groups"] = view_groups
        initial["change_groups"] = change_groups
        return initial


def _list_name(text: str) -> str:
    """A target list's name as typed, without surrounding spaces; refused when nothing is left."""
    name = text.strip()
    if not name:
        raise ValidationError("A target list needs a name.")
    return name


class TargetListForm(GroupAccessForm):
    name = forms.CharField(max_length=200)

    def clean_name(self):
        return _list_name(self.cleaned_data["name"])


class RenameTargetListForm(forms.Form):
    name = forms.CharField(max_length=200)

    def clean_name(self):
        return _list_name(self.cleaned_data["name"])


class TargetSearchForm(forms.Form):
    """The target list's filters. Cone search needs a centre and a radius together."""

    SORTS = {
        "-created": "Newest first", "created": "Oldest first", "name": "Name A-Z", "-name": "Name Z-A",
        "ra": "RA", "dec": "Dec", "separation": "Distance from the cone centre",
    }
    q = forms.CharField(required=False, label="Name or alias")
    cone_ra = forms.CharField(required=False, label="Cone RA")
    cone_dec = forms.CharField(required=False, label="Cone Dec")
    cone_radius = forms.CharField(required=False, label="Radius",
                                  help_text="arcsec, or with a unit: 2 arcmin, 1e3 arcsec, 0.5 deg")
    target_list = forms.ModelChoiceField(queryset=TargetList.objects.none(), required=False, label="List")
    type = forms.ChoiceField(choices=[("", "Any type"), *TargetType.choices], required=False)
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["target_list"].queryset = TargetList.objects.visible_to(user).order_by("name")

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get(k) for k in ("cone_ra", "cone_dec", "cone_radius")]
        if any(parts) and not all(parts):
            raise ValidationError("A cone search needs RA, Dec and a radius.")
        if all(parts):
            for key, parser in (("cone_ra", parse_ra), ("cone_dec", parse_dec), ("cone_radius", parse_radius_arcsec)):
                try:
                    cleaned[key] = parser(cleaned[key])
                except CoordinateError as exc:
                    self.add_error(key, str(exc))
        if cleaned.get("sort") == "separation" and not all(parts):
            cleaned["sort"] = ""
        return cleaned

    @property
    def is_cone(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("cone_radius"))


class BulkTargetsForm(forms.Form):
    """Targets chosen with check boxes on a list page."""

    targets = forms.ModelMultipleChoiceField(queryset=Target.objects.none(), error_messages={"required": "Select at least one target."})
    target_list = forms.ModelChoiceField(queryset=TargetList.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = Target.objects.visible_to(user)
        self.fields["target_list"].queryset = TargetList.objects.permitted(user, "change")


class CsvImportForm(GroupAccessForm):
    file = forms.FileField(help_text="CSV with a header row: name, type, ra, dec, ... aliases; other columns become extra fields.")
