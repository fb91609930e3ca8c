"""The TOM Toolkit's ``tom_targets`` names, so what its documentation has users write works here as written.

Permission strings (``assign_perm('tom_targets.add_persistentshare', user)``), the import
``from tom_targets.sharing import continuous_share_data``, ``from tom_targets.models import Target``, the template
tags ``{% load targets_extras %}`` ``{% create_persistent_share target %}`` / ``{% persistent_share_table target %}``
and the URL names a TOM Toolkit template reverses (``targets:share``...). Everything here is a name for this
project's own code (``targets``, ``sharing``), which stays primary and never depends on this package.

This package takes the place of the TOM Toolkit's: this TOM and the TOM Toolkit are alternatives, not installed in
one environment.
"""
