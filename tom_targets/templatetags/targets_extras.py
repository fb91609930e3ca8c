"""``{% load targets_extras %}``, the TOM Toolkit's tag library name, with its two continuous-sharing tags:
``{% create_persistent_share target %}`` and ``{% persistent_share_table target %}`` are ours
(``sharing.templatetags.persistent_shares``), the same templates and rules under the TOM Toolkit's names."""
from __future__ import annotations

from django import template

from sharing.templatetags import persistent_shares

register = template.Library()
register.inclusion_tag(persistent_shares.CREATE_TEMPLATE, takes_context=True)(persistent_shares.create_persistent_share)
register.inclusion_tag(persistent_shares.TABLE_TEMPLATE, takes_context=True)(persistent_shares.persistent_share_table)
