"""The share forms: where to (and, for Hermes, the message's words), and what to send.

``DestinationForm`` is what every share page asks (the Share tab and the target list page);
``PhotometryFilterForm`` is the photometry filter, alone for reloading the table and as part of the
Share tab's form.
"""
from __future__ import annotations

from django import forms
from django.conf import settings

from .destinations import HermesDestination, destinations
from .selection import PhotometryFilter, photometry_choices, selection, spectra
from .services import HermesText

SCOPES = [("matching", "Every photometry point the filter keeps"), ("ticked", "Only the points ticked below"),
          ("none", "No photometry")]


class DestinationForm(forms.Form):
    """A configured destination, and the title, message, authors and topic a Hermes message carries."""

    destination = forms.ChoiceField()
    topic = forms.ChoiceField(required=False, label="Topic (Hermes)")
    title = forms.CharField(required=False, max_length=300, label="Title (Hermes)")
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Message (Hermes)")
    authors = forms.CharField(required=False, max_length=1000, label="Authors (Hermes)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        configured = [d for d in destinations().values() if d.configured]
        self.unconfigured = [d for d in destinations().values() if not d.configured]
        self.fields["destination"].choices = [
            (d.key, f"{d.display_name} ({'Hermes' if isinstance(d, HermesDestination) else 'TOM'})")
            for d in configured]
        hermes = [d for d in configured if isinstance(d, HermesDestination)]
        self.has_hermes = bool(hermes)
        self.fields["topic"].choices = [("", "The destination's first topic")] + [
            (t, t) for t in sorted({t for d in hermes for t in d.topics})]

    def clean(self):
        cleaned = super().clean()
        # A topic must belong to the chosen Hermes destination (each has its own USER_TOPICS).
        dest = destinations().get(cleaned.get("destination") or "")
        topic = cleaned.get("topic")
        if topic and not (isinstance(dest, HermesDestination) and topic in dest.topics):
            self.add_error("topic", f"{topic} is not a topic of {dest.display_name if dest else 'this destination'}.")
        return cleaned

    def hermes_text(self) -> HermesText:
        c = self.cleaned_data
        return HermesText(c["title"], c["message"], c["authors"], c["topic"])


class PhotometryFilterForm(forms.Form):
    """Which of a target's photometry points: by bandpass, source and dates (UTC, both ends included)."""

    bandpass = forms.MultipleChoiceField(required=False, label="Bandpass")
    source = forms.MultipleChoiceField(required=False, label="Source")
    since = forms.DateField(required=False, label="From (date, UTC)", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until (date, UTC, inclusive)",
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        bands, sources = photometry_choices(target)
        self.fields["bandpass"].choices = [(b, b or "(none)") for b in bands]
        self.fields["source"].choices = [(s, s or "(none)") for s in sources]

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
    """The Share tab: where to, lists there, photometry by filter or ticked rows, spectra, product files."""

    lists = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Also add it, there, to these lists (TOM destinations)")
    scope = forms.ChoiceField(choices=SCOPES, initial="matching", widget=forms.RadioSelect, label="Photometry")
    datums = forms.TypedMultipleChoiceField(required=False, coerce=int, label="Ticked photometry points")
    spectra = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                             label="Spectra and other data")
    products = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                              label="Data product files (TOM destinations)")

    def __init__(self, *args, target=None, list_names=(), **kwargs):
        super().__init__(*args, target=target, **kwargs)
        self.fields["lists"].choices = [(n, n) for n in list_names]
        # Ticked rows are checked against the target's own photometry in selection(); any int is a valid choice here.
        self.fields["datums"].valid_value = lambda value: True
        self.spectra_rows = list(spectra(target).only("pk", "timestamp", "data_type", "telescope", "instrument",
                                                      "source_name"))
        self.fields["spectra"].choices = [(d.pk, f"{d.timestamp:%Y-%m-%d %H:%M} {d.data_type} {d.telescope}".strip())
                                          for d in self.spectra_rows]
        self.fields["products"].choices = [(p.pk, f"{p.filename} ({p.data_product_type})")
                                           for p in target.data_products.all()]
        if not self.is_bound:
            self.initial.setdefault("spectra", [d.pk for d in self.spectra_rows])
            self.initial.setdefault("title", f"{target.name}: data from {settings.TOM_NAME}")

    def selection(self):
        c = self.cleaned_data
        return selection(self.target, c["scope"], self.photometry_filter(), c["datums"], c["spectra"], c["products"])


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
