"""The API tokens page: create a token (its key is shown once), see and revoke your tokens."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import ApiToken
from .permissions import login, object_view


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'Peer TOM at ESO'")


def token_for(user, pk, action: str = "view") -> ApiToken:
    """One's own tokens only (superusers: anyone's); others are 404."""
    tokens = ApiToken.objects.all() if user.is_superuser else ApiToken.objects.filter(user=user)
    return get_object_or_404(tokens, pk=pk)


@login
def tokens(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = ApiToken.objects.create_for(request.user, form.cleaned_data["name"])
        form = TokenForm()
    return render(request, "tom/tokens.html", {
        "form": form, "new_key": new_key, "tokens": ApiToken.objects.filter(user=request.user),
    })


@object_view("apitoken", token_for, "delete")
@require_POST
def revoke(request, token):
    token.delete()
    messages.success(request, f"Revoked the token {token.name}.")
    return redirect("tokens")
