from __future__ import annotations

import math

from django import forms
from django.core.exceptions import ValidationError

from .datums import DatumError, parse_timestamp
from .models import data_product_types
from .processors.times import mjd_to_datetimes, number_to_mjd
from .services import check_upload_size


class UploadForm(forms.Form):
    file = forms.FileField()
    data_product_type = forms.ChoiceField(label="Type")
    product_id = forms.CharField(required=False, max_length=255, label="Product id (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_product_type"].choices = list(data_product_types().items())

    def clean_file(self):
        """The same size limit as the API, before the view saves or reads anything."""
        upload = self.cleaned_data["file"]
        try:
            check_upload_size(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"]) from None
        return upload


class PhotometryPointForm(forms.Form):
    """One photometry point entered by hand: a magnitude, or a limit for a non-detection."""

    time = forms.CharField(help_text="MJD (60400.25), JD (2460400.75) or ISO 8601 (2024-04-01T06:00:00)")
    bandpass = forms.CharField(max_length=32, label="Filter")
    brightness = forms.FloatField(required=False, label="Magnitude")
    brightness_error = forms.FloatField(required=False, min_value=0, label="Error")
    limit = forms.FloatField(required=False, label="Limit (non-detection)")
    unit = forms.CharField(max_length=32, required=False, initial="AB mag")
    telescope = forms.CharField(max_length=255, required=False)
    instrument = forms.CharField(max_length=255, required=False)

    def clean_time(self):
        text = self.cleaned_data["time"].strip()
        try:
            number = float(text)
        except ValueError:
            try:
                return parse_timestamp(text)
            except DatumError:
                raise ValidationError("Give MJD, JD or an ISO 8601 date and time.") from None
        if not math.isfinite(number):
            raise ValidationError("Give MJD, JD or an ISO 8601 date and time.")
        mjd = number_to_mjd(number)
        if mjd is None:
            raise ValidationError(f"{number:g} looks like neither MJD nor JD.")
        return mjd_to_datetimes([mjd])[0]

    def clean(self):
        cleaned = super().clean()
        for name in ("brightness", "brightness_error", "limit"):
            value = cleaned.get(name)
            if value is not None and not math.isfinite(value):
                self.add_error(name, "Must be a finite number.")
        if cleaned.get("brightness") is None and cleaned.get("limit") is None and not self.errors:
            raise ValidationError("Give a magnitude, or a limit for a non-detection.")
        return cleaned

    def datum(self) -> dict:
        data = self.cleaned_data
        return {
            "data_type": "photometry", "timestamp": data["time"], "bandpass": data["bandpass"].strip(),
            "brightness": data.get("brightness"), "brightness_error": data.get("brightness_error"),
            "limit": data.get("limit") if data.get("brightness") is None else None,
            "unit": (data.get("unit") or "").strip(), "telescope": (data.get("telescope") or "").strip(),
            "instrument": (data.get("instrument") or "").strip(), "exposure_time": None,
            "source_name": "", "source_location": "", "value": {},
        }
