"""How django-bootstrap5 renders our form fields (``BOOTSTRAP5["field_renderers"]`` in settings).

django-bootstrap5 marks every field of a bound form ``is-valid`` (green, with a tick) unless it has an
error. After a failed submit that turned the fields a user had left empty green too, as if leaving them
empty had been checked and approved; people read it as "this is filled in correctly". Only a field that
holds a value is marked valid now; errors are marked as before.
"""
from __future__ import annotations

from django_bootstrap5.renderers import FieldRenderer as BootstrapFieldRenderer


def is_empty(value) -> bool:
    return value is None or value == "" or value is False or (isinstance(value, (list, tuple)) and not any(value))


class FieldRenderer(BootstrapFieldRenderer):
    def get_server_side_validation_classes(self) -> str:
        classes = super().get_server_side_validation_classes()
        if classes == "is-valid" and is_empty(self.field.value()):
            return ""
        return classes
