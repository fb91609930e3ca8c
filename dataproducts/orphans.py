"""Files in storage that no row refers to: what an upload killed mid-run leaves behind.

``upload_data_product`` deletes its file when processing fails, but a process killed outright (the
kernel's out-of-memory killer, a worker timeout's SIGKILL, a power cut) runs no clean-up: the file was
written before processing and its row was never committed. These are found through the storage API
(``listdir``, ``get_modified_time``), not ``os.walk``, so the same sweep serves object storage.

A file is an orphan when no ``FileField`` of any model names it (not only DataProduct's: whatever else
keeps files in the default storage is left alone) and it is older than a grace period, which must
exceed the longest upload still being processed: such an upload's row is not committed yet.
"""
from __future__ import annotations

import posixpath
from datetime import timedelta
from typing import Iterator

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone


def referenced_names(storage: Storage = default_storage) -> set[str]:
    """Every name a FileField of any installed model keeps in ``storage``."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and field.storage is storage:
                names.update(model._base_manager.exclude(**{field.attname: ""})
                             .values_list(field.attname, flat=True).iterator())
    return names


def stored_names(storage: Storage = default_storage, directory: str = "") -> Iterator[str]:
    """Every file in ``storage`` under ``directory``, but dotfiles (an operator's markers)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # nothing was ever uploaded
        return
    for name in sorted(files):
        if not name.startswith("."):
            yield posixpath.join(directory, name) if directory else name
    for name in sorted(directories):
        if not name.startswith("."):
            yield from stored_names(storage, posixpath.join(directory, name) if directory else name)


def orphaned_files(older_than: timedelta, storage: Storage = default_storage) -> list[str]:
    """Files no row refers to, last written more than ``older_than`` ago."""
    referenced = referenced_names(storage)
    cutoff = timezone.now() - older_than
    return [name for name in stored_names(storage)
            if name not in referenced and storage.get_modified_time(name) <= cutoff]


def sweep_orphaned_files(older_than: timedelta, dry_run: bool = False,
                         storage: Storage = default_storage) -> list[str]:
    """Delete the orphaned files (unless ``dry_run``); their names."""
    names = orphaned_files(older_than, storage)
    if not dry_run:
        for name in names:
            storage.delete(name)
    return names
