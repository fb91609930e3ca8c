"""What an import did (or, in a dry run, would do): counts per kind, and everything not brought over, by name.

The report is the importer's answer to "did all my data come along?": every object of the TOM Toolkit
is counted as new here, already here, or skipped, and each skip or change names the object and says why.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

KINDS = (
    "users", "groups", "group memberships", "model permissions", "API tokens", "targets", "aliases",
    "extra fields", "target lists", "list memberships", "object permissions", "data products", "datums",
)

SKIPPED = "Skipped: could not be stored here"
NOT_MAPPED = "Not imported: this TOM has nothing that holds them"
CHANGED = "Imported with a change"
KEPT = "Already here and different: ours kept"
SECTIONS = (SKIPPED, NOT_MAPPED, CHANGED, KEPT)


@dataclass
class Tally:
    new: int = 0
    existing: int = 0
    skipped: int = 0


class ImportReport:
    """Counts per kind of object and notes per section; ``lines()`` is what the command prints."""

    def __init__(self, source_label: str = "", schema: str = "", media_root: str = ""):
        self.source_label = source_label
        self.schema = schema
        self.media_root = media_root
        self.tallies = {kind: Tally() for kind in KINDS}
        self.notes: dict[str, list[str]] = {section: [] for section in SECTIONS}
        self.timings: dict[str, float] = {}  # seconds per long phase (targets, data products, datums)

    def count(self, kind: str, new: int = 0, existing: int = 0, skipped: int = 0) -> None:
        tally = self.tallies[kind]
        tally.new += new
        tally.existing += existing
        tally.skipped += skipped

    def note(self, section: str, text: str) -> None:
        self.notes[section].append(text)

    def lines(self, dry_run: bool = False, limit: int | None = 50) -> list[str]:
        """The summary: a table of counts, then each section's notes (at most ``limit`` each; None: all)."""
        out = [f"TOM Toolkit database: {self.source_label}", f"Schema: {self.schema}",
               f"Media folder: {self.media_root or '(none given)'}", ""]
        new_label = "would be new" if dry_run else "new"
        width = max(len(kind) for kind in KINDS)
        out.append(f"{'':<{width}}  {new_label:>12}  {'already here':>12}  {'skipped':>8}")
        for kind in KINDS:
            t = self.tallies[kind]
            out.append(f"{kind:<{width}}  {t.new:>12,}  {t.existing:>12,}  {t.skipped:>8,}")
        for section in SECTIONS:
            notes = self.notes[section]
            if not notes:
                continue
            out += ["", f"{section} ({len(notes):,}):"]
            shown = notes if limit is None else notes[:limit]
            out += [f"  {note}" for note in shown]
            if len(shown) < len(notes):
                out.append(f"  ... and {len(notes) - len(shown):,} more (run with -v 2 to list them all)")
        return out

    def outcome(self, dry_run: bool, seconds: float) -> str:
        """The last line: what happened, in one sentence."""
        new = sum(t.new for t in self.tallies.values())
        skipped = sum(t.skipped for t in self.tallies.values())
        if dry_run:
            text = f"Dry run: nothing was written; {new:,} object(s) would be new."
        else:
            text = f"Imported in {seconds:,.1f} s: {new:,} new object(s)."
        if skipped:
            text += f" {skipped:,} skipped, listed above."
        datums, spent = self.tallies["datums"], self.timings.get("datums")
        read = datums.new + datums.existing + datums.skipped
        if spent and read:
            text += f" Datums: {read:,} read in {spent:,.1f} s ({read / spent:,.0f}/s)."
        return text


class Progress:
    """A line every ``every`` seconds during long phases: how far, and how fast."""

    def __init__(self, write: Callable[[str], None], every: float = 5.0, timings: dict | None = None):
        self.write = write
        self.every = every
        self.timings = timings if timings is not None else {}
        self.kind = ""
        self.total = 0
        self.done = 0
        self.started = self.last = time.monotonic()

    def start(self, kind: str, total: int) -> None:
        self.finish()
        self.kind, self.total, self.done = kind, total, 0
        self.started = self.last = time.monotonic()

    def finish(self) -> None:
        """The phase under way is over: keep how long it took."""
        if self.kind:
            self.timings[self.kind] = time.monotonic() - self.started
            self.kind = ""

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            elapsed = max(now - self.started, 1e-9)
            share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
            self.write(f"  {self.kind}: {self.done:,} of {self.total:,}{share}, {self.done / elapsed:,.0f}/s")
