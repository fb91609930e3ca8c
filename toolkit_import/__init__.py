"""``manage.py import_toolkit``: bring a TOM Toolkit's users, targets, lists, data and permissions here.

It reads the TOM Toolkit's database directly (SQLite file or PostgreSQL URL, read-only) and its media
folder, and writes through our own services (``targets.services``, ``dataproducts.services``), so every
rule of this TOM holds for imported objects as for any other. See ``docs/toolkit-import.md``.
"""
