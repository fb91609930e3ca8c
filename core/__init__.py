"""The project's shared plumbing: what every app uses and no app owns.

It imports no app of the project (targets, dataproducts, sharing... import it, never the other way), so
anything here can be used anywhere without an import cycle. ``tom/`` is the composition root that wires the
apps together: settings, URLs, the one API instance and the site's own pages.

- who may do what: ``permissions`` (the rule of every page and API operation), ``permitted`` (the object
  permission rule, in SQL), ``auth`` (API authentication), ``lockout`` (failed-login throttling), ``tokens`` (API
  token pages) with ``models.ApiToken``;
- which TOM this is: ``identity`` with ``models.TomIdentity``;
- paging, one policy per surface: ``paging_pages`` (HTML pages: no full count beyond a cap), ``paging_api`` (the
  API: DRF-style limit/offset with an exact count, as TOM Toolkit clients read it);
- requests and answers: ``api_json`` (JSON bodies), ``ids`` (ids read from requests), ``errors`` (error
  pages and JSON errors), ``middleware``, ``spreadsheet`` (cells safe to open in a spreadsheet), ``plotting``;
- process set-up: ``apps`` (this Django app, labelled ``tom``), ``checks``, ``production`` (refusing weak
  settings), ``astropy_offline``, ``gcpause``, ``lookups``, ``staticfinders``, ``context_processors``,
  ``bootstrap`` (form rendering).
"""
