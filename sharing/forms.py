"""The share forms: where to (and, for Hermes, the message's words), and what to send.

``DestinationForm`` is what every share page asks (the Share tab and the target list page);
``PhotometryFilterForm`` is the photometry filter, alone for reloading the table and as part of the
Share tab's form.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from dataproducts.datums import DatumError, parse_timestamp
from dataproducts.processors.times import EARLIEST_YEAR, LATEST_YEAR, mjd_to_datetimes, number_to_mjd

from .destinations import destinations
from .selection import HermesText, PhotometryFilter, photometry_choices, selection, spectra

SCOPES = [("matching", "Every photometry point the filter keeps"), ("ticked", "Only the points ticked below"),
          ("none", "No photometry")]


class DestinationField(forms.ChoiceField):
    """One of the configured destinations offered; any other value is refused saying which kind it is.

    A forged or stale menu value gets more than "Select a valid choice": a destination listed in
    ``DATA_SHARING`` but not configured is named with what it lacks, and anything else is said to be unknown.
    """

    def validate(self, value):
        if value in self.empty_values or self.valid_value(value):
            return super().validate(value)
        known = destinations().get(value)
        if known is not None and not known.configured:
            raise ValidationError(f"{known.display_name} is not configured for sharing: {' '.join(known.problems)}",
                                  code="invalid_choice")
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise ValidationError(f"{shown!r} is not one of this TOM's sharing destinations (DATA_SHARING).",
                              code="invalid_choice")


class DestinationForm(forms.Form):
    """A configured destination, and the title, message, authors and topic a Hermes message carries."""

    destination = DestinationField()
    topic = forms.ChoiceField(required=False, label="Topic (Hermes)")
    title = forms.CharField(required=False, max_length=300, label="Title (Hermes)")
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Message (Hermes)",
                              max_length=settings.TEXT_VALUE_MAX_LENGTH)
    authors = forms.CharField(required=False, max_length=1000, label="Authors (Hermes)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        configured = [d for d in destinations().values() if d.configured]
        self.unconfigured = [d for d in destinations().values() if not d.configured]
        self.fields["destination"].choices = [(d.key, f"{d.display_name} ({d.kind_label})") for d in configured]
        self.has_hermes = any(d.takes_message_text for d in configured)
        self.fields["topic"].choices = [("", "The destination's first topic")] + [
            (t, t) for t in sorted({t for d in configured for t in d.topics})]

    def clean(self):
        cleaned = super().clean()
        # A topic must belong to the chosen Hermes destination (each has its own USER_TOPICS).
        dest = destinations().get(cleaned.get("destination") or "")
        topic = cleaned.get("topic")
        if topic and not (dest is not None and topic in dest.topics):
            self.add_error("topic", f"{topic} is not a topic of {dest.display_name if dest else 'this destination'}.")
        return cleaned

    def hermes_text(self) -> HermesText:
        c = self.cleaned_data
        return HermesText(c["title"], c["message"], c["authors"], c["topic"])


class MomentField(forms.Field):
    """A moment (UTC) as astronomers write one: an ISO date, an ISO date and time, or an MJD (a JD too).

    A date alone is its first moment, or with ``end_of_day`` its last, so that "Until 2026-01-05" keeps
    that night's points. A browser's date picker would refuse an MJD, so this is a text box.
    """

    EXAMPLES = "a date (2026-01-05), a date and time (2026-01-05T03:00) or an MJD (61045.5)"

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        kwargs.setdefault("help_text", f"UTC: {self.EXAMPLES}.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2026-01-05 or MJD", "autocomplete": "off",
                                                           "maxlength": 40}))
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> datetime | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 40:
            raise ValidationError(f"{text[:40]!r}… is not a date; give {self.EXAMPLES}.")
        try:
            mjd = number_to_mjd(float(text))
        except ValueError:
            mjd = None
        if mjd is not None:
            return mjd_to_datetimes([mjd])[0]
        try:
            day = date.fromisoformat(text)  # 2026-01-05, and 20260105
        except ValueError:
            try:
                return parse_timestamp(text)
            except DatumError:
                raise ValidationError(f"{text!r} is neither a date nor an MJD (of the years {EARLIEST_YEAR} to "
                                      f"{LATEST_YEAR}); give {self.EXAMPLES}.") from None
        return datetime.combine(day, time.max if self.end_of_day else time.min, timezone.utc)


class PhotometryFilterForm(forms.Form):
    """Which of a target's photometry points: by bandpass, source and time (UTC, both ends included)."""

    bandpass = forms.MultipleChoiceField(required=False, label="Bandpass")
    source = forms.MultipleChoiceField(required=False, label="Source")
    since = MomentField(label="From")
    until = MomentField(label="Until (inclusive)", end_of_day=True)

    def __init__(self, *args, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        bands, sources = photometry_choices(target)
        self.fields["bandpass"].choices = [(b, b or "(none)") for b in bands]
        self.fields["source"].choices = [(s, s or "(none)") for s in sources]
        for name in ("bandpass", "source"):  # any text filters safely; only the first few are offered
            self.fields[name].valid_value = lambda value: True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            self.add_error("until", "Until is before From.")
        return cleaned

    def photometry_filter(self) -> PhotometryFilter:
        """The filter the form holds; none at all while it is unbound or invalid."""
        c = self.cleaned_data if self.is_valid() else {}
        return PhotometryFilter(tuple(c.get("bandpass") or ()), tuple(c.get("source") or ()), c.get("since"),
                                c.get("until"))


class ShareForm(PhotometryFilterForm, DestinationForm):
    """The Share tab: where to, lists there, photometry by filter or ticked rows, spectra, product files.

    Spectra and product files are listed for ticking up to ``SHARE_CHOICES_SHOWN`` (the latest); beyond
    that an "all N" box covers the ones not listed (one bulk POST can store 20,000 spectra: listing them
    all made an 8 MB page, and ticking them all a POST Django refuses). Ticked ids are checked against the
    target's own in ``selection()``, like ticked photometry, so any int is a valid choice here.
    """

    lists = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Also add it, there, to these lists (TOM destinations)")
    scope = forms.ChoiceField(choices=SCOPES, initial="matching", widget=forms.RadioSelect, label="Photometry")
    datums = forms.TypedMultipleChoiceField(required=False, coerce=int, label="Ticked photometry points")
    spectra = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                             label="Spectra and other data")
    products = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                              label="Data product files (TOM destinations)")

    def __init__(self, *args, target=None, list_names=(), product=None, **kwargs):
        super().__init__(*args, target=target, **kwargs)
        shown = settings.SHARE_CHOICES_SHOWN
        self.fields["lists"].choices = [(n, n) for n in list_names]
        for name in ("datums", "spectra", "products"):
            self.fields[name].valid_value = lambda value: True
        latest = spectra(target).reverse().only("pk", "timestamp", "data_type", "telescope", "instrument")
        self.spectra_rows = list(latest[:shown])
        self.fields["spectra"].choices = [(d.pk, f"{d.timestamp:%Y-%m-%d %H:%M} {d.data_type} {d.telescope}".strip())
                                          for d in self.spectra_rows]
        self._all_box("spectra", spectra(target), len(self.spectra_rows),
                      "All {count:,} spectra and other data, not only the {shown} latest listed", initial=True)
        products = target.data_products.order_by("-created", "-pk")
        self.product_rows = list(products[:shown])
        if product is not None and product not in self.product_rows:
            self.product_rows.append(product)  # "Share" on a product further down the list
        self.fields["products"].choices = [(p.pk, f"{p.filename} ({p.data_product_type})") for p in self.product_rows]
        self._all_box("products", products, min(len(self.product_rows), shown),
                      "All {count:,} data product files, not only the {shown} latest listed", initial=False)
        if not self.is_bound:
            self.initial.setdefault("spectra", [d.pk for d in self.spectra_rows])
            self.initial.setdefault("title", f"{target.name}: data from {settings.TOM_NAME}")
            if product is not None:
                self.initial["products"] = [product.pk]

    def _all_box(self, name: str, queryset, listed: int, label: str, initial: bool) -> None:
        """An ``all_<name>`` box when ``queryset`` has more rows than the ``listed`` ones (counted only then)."""
        if listed < settings.SHARE_CHOICES_SHOWN:
            return
        count = queryset.count()
        if count > listed:
            self.fields[f"all_{name}"] = forms.BooleanField(
                required=False, initial=initial, label=label.format(count=count, shown=listed),
                help_text="When ticked, the ticks above are ignored.")

    def selection(self):
        c = self.cleaned_data
        return selection(self.target, c["scope"], self.photometry_filter(), c["datums"], c["spectra"], c["products"],
                         all_spectra=c.get("all_spectra", False), all_products=c.get("all_products", False))


class ListShareForm(DestinationForm):
    """The target list page: where to, which members (those the user may share), with which data."""

    targets = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "Choose at least one target."})
    data = forms.ChoiceField(choices=[("none", "The targets only"), ("photometry", "With their photometry"),
                                      ("all", "With all their data")], initial="none", widget=forms.RadioSelect)

    def __init__(self, *args, shareable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = [(pk, pk) for pk in shareable]
        self.initial.setdefault("targets", list(shareable))
