"""``{% create_persistent_share target %}`` and ``{% persistent_share_table target %}`` for any target page.

The TOM Toolkit's two tags (also loadable by its library name: ``{% load targets_extras %}``, the ``tom_targets``
package), with htmx instead of hand-written fetch(): the form posts to the Continuous tab's create view, the
table's buttons to delete, "Retry now" and (for a paused share) "Resume as me"; each answer replaces the element
it came from, found by class (``closest``), so the tags work inside whatever wrappers a page puts around them,
the documentation's ``<div id=...>`` included, and they emit no ids of their own. A created share makes every
table on the page reload itself (the ``persistent-shares-changed`` event). Without a target, the form searches
the targets the user may share and the table lists every share the user may see (the manage page). What each
user sees and may press comes from ``sharing.permissions``.
"""
from __future__ import annotations

from django import template

from ..continuous.tags import CREATE_TEMPLATE, TABLE_TEMPLATE, create_context, table_context

register = template.Library()


@register.inclusion_tag(CREATE_TEMPLATE, takes_context=True)
def create_persistent_share(context, target=None):
    return create_context(context["request"], target)


@register.inclusion_tag(TABLE_TEMPLATE, takes_context=True)
def persistent_share_table(context, target=None):
    return table_context(context["request"], target)
