"""The project's shared plumbing: what every app uses and no app owns (permissions, paging, JSON, ids...).

It imports no app of the project (targets, dataproducts, sharing... import it, never the other way), so
anything here can be used anywhere without an import cycle. ``tom/`` is the composition root that wires the
apps together (settings, URLs, the one API).
"""
