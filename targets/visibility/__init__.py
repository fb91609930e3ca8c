"""Visibility: when a target can be observed tonight from the observatories in ``VISIBILITY_SITES``.

``sites`` parses the setting, ``orbits`` places a non-sidereal target from its
elements, ``nights`` computes each site's coming night (airmass, Moon), ``figure``
draws it with plotly and ``section`` gives the target page's section its context.
"""
