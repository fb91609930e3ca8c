"""The Share tab's form: where to, what (photometry by filter or ticked rows, spectra, products), and words for Hermes."""
from __future__ import annotations

from django import forms
from django.conf import settings

from .destinations import HermesDestination, TomDestination, destinations
from .selection import PhotometryFilter, photometry_choices, selection, spectra

def hermes_topic_choices() -> list[tuple[str, str]]:
    """Every topic of the configured Hermes destinations (blank: the chosen destination's first)."""
    topics = {t for d in destinations().values() if isinstance(d, HermesDestination) and d.configured
              for t in d.topics}
    return [("", "The destination's first topic")] + [(t, t) for t in sorted(topics)]


def has_hermes() -> bool:
    return any(isinstance(d, HermesDestination) and d.configured for d in destinations().values())


def clean_topic(form, cleaned: dict) -> None:
    """A topic must belong to the chosen Hermes destination (each has its own USER_TOPICS)."""
    dest = destinations().get(cleaned.get("destination") or "")
    topic = cleaned.get("topic")
    if topic and not (isinstance(dest, HermesDestination) and topic in dest.topics):
        form.add_error("topic", f"{topic} is not a topic of {dest.display_name if dest else 'this destination'}.")


SCOPES = [("matching", "Every photometry point the filter keeps"), ("ticked", "Only the points ticked below"),
          ("none", "No photometry")]


class ShareForm(forms.Form):
    destination = forms.ChoiceField()
    lists = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Also add it, there, to these lists (TOM destinations)")
    scope = forms.ChoiceField(choices=SCOPES, initial="matching", widget=forms.RadioSelect, label="Photometry")
    bandpass = forms.MultipleChoiceField(required=False, label="Bandpass")
    source = forms.MultipleChoiceField(required=False, label="Source")
    since = forms.DateField(required=False, label="From (date, UTC)", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until (date, UTC, inclusive)",
                            widget=forms.DateInput(attrs={"type": "date"}))
    datums = forms.TypedMultipleChoiceField(required=False, coerce=int, label="Ticked photometry points")
    spectra = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                             label="Spectra and other data")
    products = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                              label="Data product files (TOM destinations)")
    title = forms.CharField(required=False, max_length=300, label="Title (Hermes)")
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Message (Hermes)")
    authors = forms.CharField(required=False, max_length=1000, label="Authors (Hermes)")
    topic = forms.ChoiceField(required=False, label="Topic (Hermes)")

    def __init__(self, *args, target=None, list_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.unconfigured = [d for d in destinations().values() if not d.configured]
        self.kinds = {d.key: d.kind for d in destinations().values() if d.configured}
        self.fields["destination"].choices = [
            (d.key, f"{d.display_name} ({'Hermes' if isinstance(d, HermesDestination) else 'TOM'})")
            for d in destinations().values() if d.configured and isinstance(d, (TomDestination, HermesDestination))]
        self.fields["lists"].choices = [(n, n) for n in list_names]
        self.fields["topic"].choices = hermes_topic_choices()
        self.has_hermes = has_hermes()
        bands, sources = photometry_choices(target)
        self.fields["bandpass"].choices = [(b, b or "(none)") for b in bands]
        self.fields["source"].choices = [(s, s or "(none)") for s in sources]
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

    def photometry_filter(self) -> PhotometryFilter:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return PhotometryFilter(tuple(data.get("bandpass") or ()), tuple(data.get("source") or ()),
                                data.get("since"), data.get("until"))

    def selection(self):
        c = self.cleaned_data
        return selection(self.target, c["scope"], self.photometry_filter(), c["datums"], c["spectra"], c["products"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            self.add_error("until", "Until is before From.")
        clean_topic(self, cleaned)
        return cleaned


class PhotometryFilterForm(forms.Form):
    """The filter alone, for reloading the photometry table while the Share form is filled in."""

    bandpass = forms.MultipleChoiceField(required=False)
    source = forms.MultipleChoiceField(required=False)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)

    def __init__(self, *args, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        bands, sources = photometry_choices(target)
        self.fields["bandpass"].choices = [(b, b) for b in bands]
        self.fields["source"].choices = [(s, s) for s in sources]

    def photometry_filter(self) -> PhotometryFilter:
        c = self.cleaned_data if self.is_valid() else {}
        return PhotometryFilter(tuple(c.get("bandpass") or ()), tuple(c.get("source") or ()), c.get("since"),
                                c.get("until"))


class ListShareForm(forms.Form):
    destination = forms.ChoiceField()
    targets = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple,
                                             error_messages={"required": "Choose at least one target."})
    data = forms.ChoiceField(choices=[("none", "The targets only"), ("photometry", "With their photometry"),
                                      ("all", "With all their data")], initial="none", widget=forms.RadioSelect)
    title = forms.CharField(required=False, max_length=300, label="Title (Hermes)")
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Message (Hermes)")
    authors = forms.CharField(required=False, max_length=1000, label="Authors (Hermes)")
    topic = forms.ChoiceField(required=False, label="Topic (Hermes)")

    def __init__(self, *args, shareable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = hermes_topic_choices()
        self.has_hermes = has_hermes()
        configured = [d for d in destinations().values() if d.configured]
        self.fields["destination"].choices = [(d.key, d.display_name) for d in configured]
        self.fields["targets"].choices = [(pk, pk) for pk in shareable]
        self.initial.setdefault("targets", list(shareable))

    def clean(self):
        cleaned = super().clean()
        clean_topic(self, cleaned)
        return cleaned
