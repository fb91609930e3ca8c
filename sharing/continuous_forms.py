"""The Continuous tab's form: a configured destination (a Hermes one per topic), and whether to send the data so
far too."""
from __future__ import annotations

from django import forms

from .destinations import HermesDestination, destinations
from .forms import DestinationField


def destination_choices() -> list[tuple[str, str]]:
    """Configured destinations only (a share to one that is not would fail on every delivery); a Hermes destination
    once per topic of its ``USER_TOPICS``, as ``key:topic`` (the TOM Toolkit's choice values)."""
    choices = []
    for dest in destinations().values():
        if not dest.configured:
            continue
        if isinstance(dest, HermesDestination) and len(dest.topics) > 0:
            choices += [(f"{dest.key}:{topic}", f"{dest.display_name}: {topic}") for topic in dest.topics]
        else:
            choices.append((dest.key, dest.display_name))
    return choices


class PersistentShareForm(forms.Form):
    destination = DestinationField()
    share_existing_data = forms.BooleanField(required=False, label="Share existing data immediately")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = destination_choices()
