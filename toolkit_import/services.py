"""One call imports a TOM Toolkit: ``import_toolkit(database, media_root=..., dry_run=...)``.

All or nothing: the whole run is one transaction here (and one read snapshot there). A run that fails
half-way (a database error, Ctrl-C) leaves this TOM as it was, and the files it copied are deleted; a
dry run is the same run rolled back at the end, so its counts are exact, not estimated. One transaction
holds a million datums comfortably on SQLite and PostgreSQL alike (measured: bench/import_toolkit.py);
the price is that, on SQLite, other writers wait for the import (run it before opening the TOM to users).
Rows this TOM cannot store are not failures of the run: they are skipped and named in the report.
Running it again changes nothing: every kind of object is matched to what is already here (see each
module), so a second run only adds what the TOM Toolkit gained since.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from .accounts import import_api_tokens, import_groups, import_model_permissions, import_users
from .data import import_data_products, import_datums
from .permissions import PermissionMap, grant_public_targets, import_object_permissions
from .report import NOT_MAPPED, ImportReport, Progress
from .run import ImportRun
from .source import SourceError, open_source
from .targets import import_target_lists, import_targets

# The TOM Toolkit's tables that hold nothing to carry over (Django's bookkeeping, sessions, task queues).
BOOKKEEPING = {
    "django_migrations", "django_content_type", "django_session", "django_site", "sqlite_sequence",
    "django_tasks_database_dbtaskresult", "tom_common_usersession", "account_emailconfirmation",
}
TABLE_NAMES = {
    "tom_observations_observationrecord": "observation records",
    "tom_observations_observationgroup": "observation groups",
    "tom_observations_observationgroup_observation_records": "observation group memberships",
    "tom_observations_dynamiccadence": "dynamic cadences",
    "tom_observations_observationtemplate": "observation templates",
    "tom_observations_facility": "facilities",
    "tom_targets_persistentshare": "persistent shares (set them up again here, with this TOM's destinations)",
    "tom_dataproducts_dataproductgroup": "data product groups",
    "tom_dataproducts_dataproduct_group": "data product group memberships",
    "tom_dataproducts_reduceddatum_message": "links from datums to alert stream messages",
    "tom_alerts_alertstreammessage": "alert stream messages",
    "tom_alerts_brokerquery": "broker queries",
    "tom_dataservices_dataservicequery": "data service queries",
    "tom_calendar_calendarevent": "calendar events",
    "tom_calendar_eventtodo": "calendar to-dos",
    "tom_common_profile": "user profiles (affiliation, phone)",
    "tom_common_termsofserviceacceptance": "terms of service acceptances",
    "django_comments": "comments",
    "django_comment_flags": "comment flags",
    "django_admin_log": "admin history",
    "mfa_authenticator": "two-factor authenticators (users set them up again here)",
    "account_emailaddress": "e-mail addresses of the login system (each user's e-mail is imported)",
}


def default_media_root(database: str) -> Path | None:
    """Where ``tom_setup`` puts MEDIA_ROOT: ``data/`` beside the project's SQLite file."""
    if "://" in database:
        return None
    candidate = Path(database).resolve().parent / "data"
    return candidate if candidate.is_dir() else None


def import_toolkit(database: str, *, media_root: str | Path | None = None, dry_run: bool = False,
                   write: Callable[[str], None] = print, progress_every: float = 5.0,
                   chunk_size: int = 20_000) -> tuple[ImportReport, float]:
    """Import the TOM Toolkit at ``database``; the report and the seconds it took.

    Raises ``SourceError`` (nothing changed) when the database or media folder cannot be read.
    """
    media = Path(media_root) if media_root else default_media_root(database)
    if media is not None and not media.is_dir():
        raise SourceError(f"--media-root {media}: no such folder.")
    source = open_source(database)
    started = time.monotonic()
    try:
        report = ImportReport(source.label, source.generation(), str(media.resolve()) if media else "")
        run = ImportRun(source, report, Progress(write, progress_every, report.timings), media, dry_run,
                        chunk_size, custom_target_tables=source.custom_target_tables())
        try:
            with transaction.atomic():
                _run_steps(run)
                if dry_run:
                    transaction.set_rollback(True)
        except BaseException:
            _delete_copied_files(run)
            raise
    finally:
        source.close()
    return report, time.monotonic() - started


def _run_steps(run: ImportRun) -> None:
    import_users(run)
    import_groups(run)
    perms = PermissionMap(run)
    import_model_permissions(run, perms)
    import_api_tokens(run)
    import_targets(run)
    import_target_lists(run)
    import_object_permissions(run, perms)
    grant_public_targets(run)
    import_data_products(run)
    import_datums(run)
    run.progress.finish()
    report_other_tables(run)


def report_other_tables(run: ImportRun) -> None:
    """Every other table with rows, by name: what this TOM does not hold (observations, comments, ...)."""
    for table in sorted(run.source.tables() - run.read_tables - BOOKKEEPING):
        rows = run.source.count(table)
        if rows:
            what = TABLE_NAMES.get(table, "rows")
            run.report.note(NOT_MAPPED, f"{what}: {rows:,} (table {table})")


def _delete_copied_files(run: ImportRun) -> None:
    for storage, name in run.written_files:
        storage.delete(name)
