"""What deleting a target deletes with it, counted for the confirmation page.

Other apps hang their rows on targets (data products and datums, share records, continuous shares...),
and targets must not depend on them (DESIGN: targets never import dataproducts or sharing). So the
rows are found generically, from ``Target._meta.related_objects``: every relation that cascades, each
counted in one SQL subquery (one query in all, whatever the number of rows or apps), and named with its
model's own ``verbose_name``/``verbose_name_plural``. A model whose manager has ``visible_to`` is counted
as the user sees it: a count must not reveal, say, a list the user may not view.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CASCADE, Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .models import Target, TargetExtra, TargetName

# This app's own rows, in the words the target page uses (and the primary name is the target itself).
OWN_WORDS = {TargetName: ("alias", "aliases", Q(primary=False)), TargetExtra: ("extra field", "extra fields", Q())}


@dataclass(frozen=True)
class Consequence:
    count: int
    singular: str
    plural: str

    def __str__(self) -> str:
        return f"{self.count:,} {self.singular if self.count == 1 else self.plural}"


def _rows(model, user):
    """``model``'s rows as ``user`` may see them (its manager's ``visible_to``), else all of them."""
    manager = model._default_manager
    return manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()


def _related_rows(user):
    """(rows correlated to the outer target, their field naming it, singular, plural) for each relation that
    goes with a target."""
    for relation in Target._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many:  # memberships: the through rows go, the other side stays
            through = relation.through
            mine, theirs = relation.field.m2m_reverse_field_name(), relation.field.m2m_field_name()
            rows = through._default_manager.filter(
                **{mine: OuterRef("pk"), f"{theirs}__in": _rows(model, user).values("pk")})
            name = model._meta.verbose_name
            yield rows, mine, f"{name} membership", f"{name} memberships"
        elif relation.one_to_many and relation.on_delete is CASCADE:
            if issubclass(model, (UserObjectPermissionBase, GroupObjectPermissionBase)):
                continue  # who may see it: not something the user stores
            field = relation.field.name
            rows = _rows(model, user).filter(**{field: OuterRef("pk")})
            singular, plural, condition = OWN_WORDS.get(
                model, (model._meta.verbose_name, model._meta.verbose_name_plural, Q()))
            yield rows.filter(condition), field, str(singular), str(plural)


def what_goes_with(target: Target, user) -> list[Consequence]:
    """What deleting ``target`` also deletes, as ``user`` may know it: the non-zero counts, in one query."""
    relations = list(_related_rows(user))
    counts = {
        f"n{i}": Coalesce(Subquery(rows.order_by().values(field).annotate(n=Count("pk")).values("n")[:1],
                                   output_field=IntegerField()), Value(0))
        for i, (rows, field, _, _) in enumerate(relations)
    }
    found = Target.objects.filter(pk=target.pk).order_by().annotate(**counts).values(*counts).get()
    return [Consequence(found[f"n{i}"], singular, plural)
            for i, (_, _, singular, plural) in enumerate(relations) if found[f"n{i}"]]
