"""What one import run knows as it goes: the source, the options, and which TOM Toolkit row became which object.

Each step (accounts, targets, permissions, data) reads the TOM Toolkit's rows and records here what it
made of them, keyed by the TOM Toolkit's primary keys, so later steps can follow its foreign keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .report import ImportReport, Progress
from .source import ToolkitSource


@dataclass
class ImportRun:
    source: ToolkitSource
    report: ImportReport
    progress: Progress
    media_root: Path | None = None
    dry_run: bool = False
    chunk_size: int = 20_000
    custom_target_tables: set = field(default_factory=set)  # a project's own target model (subclass of BaseTarget)

    users: dict = field(default_factory=dict)  # TOM Toolkit user id -> our User
    groups: dict = field(default_factory=dict)  # TOM Toolkit group id -> our Group
    targets: dict = field(default_factory=dict)  # TOM Toolkit target id -> our Target (imported or matched)
    target_names: dict = field(default_factory=dict)  # TOM Toolkit target id -> its name there (for messages)
    lists: dict = field(default_factory=dict)  # TOM Toolkit target list id -> our TargetList
    products: dict = field(default_factory=dict)  # TOM Toolkit data product id -> our DataProduct
    public_targets: list = field(default_factory=list)  # our Targets that every logged-in user could view there
    read_tables: set = field(default_factory=set)  # tables the importer used (the rest are reported)
    created_targets: set = field(default_factory=set)  # pks of our targets this run created
    written_files: list = field(default_factory=list)  # (storage, name) of copied files: deleted on rollback

    def target_label(self, toolkit_id) -> str:
        """A target as the user knows it from the TOM Toolkit: its name there."""
        name = self.target_names.get(toolkit_id)
        return repr(name) if name is not None else f"#{toolkit_id}"
