"""The one object-permission rule (``core.permitted``): pages' and the API's helper answer as the list filter does."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from core.permissions import has_object_perm
from targets.models import Target, TargetList


@pytest.mark.parametrize("action", ["view", "change", "delete", "share"])
def test_the_object_helper_agrees_with_the_list_filter(users, target, target_list, action,
                                                      django_assert_max_num_queries):
    """For every role, on a target and on a list; one statement for the user's global permissions, one for the
    object (guardian's ``has_perm(perm, obj)``, which this replaced, took four for a user holding nothing)."""
    objects = [target] + ([target_list] if action != "share" else [])  # lists have no share permission
    for user in [User.objects.get(pk=u.pk) for u in users.values() if u is not None] + [AnonymousUser()]:
        for obj in objects:
            expected = type(obj).objects.permitted(user, action).filter(pk=obj.pk).exists()
            fresh = User.objects.get(pk=user.pk) if user.pk else user  # nothing cached from the line above
            with django_assert_max_num_queries(2):
                assert has_object_perm(fresh, action, obj) is expected, (user, action, obj)


def test_inactive_users_may_nothing(users, target):
    editor = users["editor"]
    editor.is_active = False
    editor.save()
    assert not has_object_perm(User.objects.get(pk=editor.pk), "view", target)
    assert not Target.objects.permitted(User.objects.get(pk=editor.pk), "view").exists()
    assert not TargetList.objects.allows(User.objects.get(pk=editor.pk), "view", 1)
