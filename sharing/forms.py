from __future__ import annotations

from django import forms

from .destinations import TomDestination, destinations


class ShareForm(forms.Form):
    destination = forms.ChoiceField()
    data = forms.ChoiceField(choices=[("none", "The target only"), ("photometry", "The target and its photometry"),
                                      ("all", "The target and all its data")], initial="photometry")
    lists = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                      label="Also add it, there, to these lists")

    def __init__(self, *args, target=None, list_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        self.unconfigured = []
        for d in destinations().values():
            if isinstance(d, TomDestination) and d.configured:
                choices.append((d.key, d.display_name))
            else:
                self.unconfigured.append(d)
        self.fields["destination"].choices = choices
        self.fields["lists"].choices = [(n, n) for n in list_names]
