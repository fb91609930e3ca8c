"""``from tom_targets.sharing import continuous_share_data``, the call continuous-sharing.rst tells a custom data
processor to make after storing datums by its own means. It is ``sharing.continuous.continuous_share_data``."""
from __future__ import annotations

from sharing.continuous import continuous_share_data

__all__ = ["continuous_share_data"]
