"""tom-alertstreams' import paths, so a TOM Toolkit user's settings work here as the documentation writes them.

``INSTALLED_APPS += ['tom_alertstreams']``, the stream classes' dotted paths
(``ALERT_STREAMS[...]['NAME']``) and the example handlers' paths in
``TOPIC_HANDLERS`` all resolve to this project's ``alertstreams`` app, which
does the work: nothing in this package reads a stream. Our own names
(``alertstreams.streams.HopskotchAlertStream``...) stay the primary ones.
It takes the place of the tom-alertstreams distribution: do not install both.
"""
