"""The dead letters page: messages readstreams gave up on, for whoever may look at them."""
from __future__ import annotations

from django.shortcuts import render

from core.paging_pages import paginate
from core.permissions import global_perm

from .models import DeadLetter


@global_perm("alertstreams.view_deadletter")
def dead_letters(request):
    """Newest first, 50 a page. A message may name any target, so this takes its own permission."""
    letters = DeadLetter.objects.all()
    topic = request.GET.get("topic", "").strip()
    if topic:
        letters = letters.filter(topic=topic)
    page = paginate(letters, request.GET.get("page"), 50, 10_000)  # the pages' paging (core.paging_pages)
    return render(request, "alertstreams/dead_letters.html", {"page": page, "topic": topic})
