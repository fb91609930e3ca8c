"""The modules tom-alertstreams' documentation names: ``hopskotch``, ``gcn`` and the base ``alertstream``."""
