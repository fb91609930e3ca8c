"""The Continuous tab's form: a configured destination, and whether to send the data so far too."""
from __future__ import annotations

from django import forms

from .destinations import destinations
from .forms import DestinationField


def destination_choices() -> list[tuple[str, str]]:
    """Configured destinations only: a share to one that is not would fail on every delivery."""
    return [(d.key, d.display_name) for d in destinations().values() if d.configured]


class PersistentShareForm(forms.Form):
    destination = DestinationField()
    share_existing_data = forms.BooleanField(required=False, label="Share existing data immediately")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = destination_choices()
