"""``from tom_targets.sharing import continuous_share_data``, the call the TOM Toolkit has a custom data processor
make after storing datums by its own means. It is ``sharing.continuous.continuous_share_data``
(``sharing.continuous.queue``)."""
from __future__ import annotations

from sharing.continuous import continuous_share_data

__all__ = ["continuous_share_data"]
