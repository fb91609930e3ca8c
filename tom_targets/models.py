"""``from tom_targets.models import Target, TargetList, PersistentShare`` as in the TOM Toolkit.

``PersistentShare`` here is a proxy of ``sharing.models.PersistentShare`` (the same rows) whose only purpose is its
permissions: Django files a proxy model's permissions under the proxy's own app, so ``tom_targets.view_persistentshare``,
``tom_targets.add_persistentshare``, ``tom_targets.change_persistentshare`` and ``tom_targets.delete_persistentshare``
exist and can be assigned as the TOM Toolkit's documentation does. ``sharing.permissions`` accepts each as equal to
our own ``sharing.*_persistentshare``.
"""
from __future__ import annotations

from sharing.models import PersistentShare as SharingPersistentShare
from targets.models import Target, TargetExtra, TargetList, TargetName

__all__ = ["PersistentShare", "Target", "TargetExtra", "TargetList", "TargetName"]


class PersistentShare(SharingPersistentShare):
    class Meta:
        proxy = True
        verbose_name = "persistent share (TOM Toolkit permission names)"
