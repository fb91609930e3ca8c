"""The demo TOM's data (``manage.py demo``): targets, lists, groups, accounts and data products.

An app of its own, above the ones it seeds (targets, dataproducts), so none of them imports it.
"""
