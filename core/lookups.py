"""``pk__in=[...]`` with a number no 64-bit column can hold matches nothing, on SQLite as on PostgreSQL.

Django already treats ``exact``, ``gt``, ``lt``... on integer columns this way
(``IntegerFieldOverflow``), but not ``in``: on SQLite the driver then raises
``OverflowError`` ("Python int too large to convert to SQLite INTEGER") and a
form field such as ``ModelMultipleChoiceField`` given an id of 10**30 ends in a
500, where PostgreSQL simply finds no row and the form says "Select a valid
choice". Registered for every integer field (primary keys included) when the
``tom`` app is ready.
"""
from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            kept = [value for value in self.rhs if not isinstance(value, int)
                    or ((low is None or value >= low) and (high is None or value <= high))]
            if not kept:
                raise EmptyResultSet
            self.rhs = kept
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
