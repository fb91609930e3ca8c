"""The dead letters page: messages readstreams gave up on, for whoever may look at them."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from core.permissions import global_perm

from .models import DeadLetter


@global_perm("alertstreams.view_deadletter")
def dead_letters(request):
    """Newest first, 50 a page. A message may name any target, so this takes its own permission."""
    letters = DeadLetter.objects.all()
    topic = request.GET.get("topic", "").strip()
    if topic:
        letters = letters.filter(topic=topic)
    page = Paginator(letters, 50).get_page(request.GET.get("page"))
    return render(request, "alertstreams/dead_letters.html", {"page": page, "topic": topic})
