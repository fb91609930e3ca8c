"""Our target fields under Hermes' names: one table, for the messages we publish and the messages we read.

Hermes (and its ``data.targets[].orbital_elements``) names a few orbital elements differently from the TOM
Toolkit's Target fields, which ours follow. The sender (``sharing.hermes.messages``) and the Hermes stream handler
(``alertstreams.hermes``) both translate through :data:`ORBITAL_ELEMENTS`, so a target published and read back
keeps its elements.
"""
from __future__ import annotations

# Our Target field -> Hermes' orbital element name (epochs are MJD, which Hermes reads as such).
ORBITAL_ELEMENTS = {
    "epoch_of_elements": "epoch_of_elements", "inclination": "orbital_inclination",
    "lng_asc_node": "longitude_of_the_ascending_node", "arg_of_perihelion": "argument_of_the_perihelion",
    "eccentricity": "eccentricity", "semimajor_axis": "semimajor_axis", "mean_anomaly": "mean_anomaly",
    "perihdist": "perihelion_distance", "epoch_of_perihelion": "epoch_of_perihelion",
}
