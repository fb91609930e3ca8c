"""Continuous sharing: a target's new data go to a destination by themselves, as they arrive.

The TOM Toolkit shares inside ``post_save``: an unreachable peer breaks the upload that saved the datum, and a
processor's bulk insert shares nothing. Here, new data only *queue* a :class:`~sharing.models.Delivery` row per
:class:`~sharing.models.PersistentShare` (after the data's transaction commits), and a task sends it later:
ingestion never waits on a peer, and a delivery survives restarts and outages until it is sent or fails for a
reason retrying cannot fix. The models stay in ``sharing.models``; this package holds the rest:

- ``shares``: create, redirect, delete, retry and resume a share (the services the pages and the API call);
- ``queue``: the one place Delivery rows are made (new data, a processor's own rows, the data so far);
- ``delivery``: the worker, its task, and the one function that enqueues that task;
- ``pausing``: a share stops sending in the name of an owner who may no longer share;
- ``api``, ``forms``, ``views``, ``tags``: the REST operations, the Continuous tab's form, the pages, and what
  the template tags ``{% create_persistent_share %}`` / ``{% persistent_share_table %}`` show.

A custom processor that stores rows by its own means calls :func:`continuous_share_data` (importable from here,
as the README shows, and as ``tom_targets.sharing.continuous_share_data``).
"""
from __future__ import annotations

from .queue import continuous_share_data

__all__ = ["continuous_share_data"]
