from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from targets.models import Target, TargetExtra, TargetName
from targets.names import simplify_name, split_aliases
from targets.services import TargetInput, create_target, update_target
from tests.conftest import sidereal


def test_simplify_name_drops_case_spaces_dashes_underscores_and_brackets():
    assert simplify_name("SN 2024-ABC_(x)") == "sn2024abcx"
    assert simplify_name("a,b") == "a,b"  # commas are kept, as the TOM Toolkit keeps them


def test_fuzzy_keys_allow_for_plus_signs_that_arrived_as_spaces():
    from targets.names import fuzzy_keys

    assert fuzzy_keys("AT 2025zz 1") == {"at2025zz1", "at+2025zz1", "at2025zz+1", "at+2025zz+1"}
    assert fuzzy_keys("M31") == {"m31"} and fuzzy_keys("  ") == set()


def test_split_aliases_accepts_lines_semicolons_and_bars():
    assert split_aliases("A\n B ;C| D\n\n") == ["A", "B", "C", "D"]


def test_database_refuses_a_second_spelling_of_a_name(target):
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetName.objects.create(target=target, name="sn-2024 ABC")


def test_database_refuses_a_target_named_like_another_targets_alias(target):
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(name="at_2024(abc)", ra=1, dec=1)
    assert not Target.objects.filter(name="at_2024(abc)").exists()


@pytest.mark.parametrize("spelling", ["sn2024abc", "SN_2024-ABC", "(SN) 2024abc", "at 2024 abc", "ztf24AAAAAAA"])
def test_service_rejects_name_clash_in_any_spelling_and_names_the_field(users, target, spelling):
    with pytest.raises(ValidationError) as err:
        create_target(users["superuser"], sidereal(spelling))
    assert "name" in err.value.message_dict
    assert "SN 2024abc" in err.value.message_dict["name"][0]
    assert Target.objects.count() == 1


def test_service_rejects_alias_clash_and_changes_nothing(users, target):
    with pytest.raises(ValidationError) as err:
        create_target(users["superuser"], sidereal("New one", aliases=["Other", "At2024Abc"]))
    assert "aliases" in err.value.message_dict
    assert not TargetName.objects.filter(name="Other").exists()


def test_alias_equal_to_own_name_in_another_spelling_is_rejected(users):
    with pytest.raises(ValidationError) as err:
        create_target(users["superuser"], sidereal("M 31", aliases=["m31"]))
    assert "same name" in err.value.message_dict["aliases"][0]


def test_zero_coordinates_are_valid(users):
    t = create_target(users["superuser"], sidereal("Origin", ra=0.0, dec=0.0))
    assert (t.ra, t.dec) == (0.0, 0.0)


@pytest.mark.parametrize("ra,dec,field", [(360.0, 0, "ra"), (-0.1, 0, "ra"), (10, 90.5, "dec"), (10, -91, "dec")])
def test_out_of_range_coordinates_are_refused_by_the_service_and_the_database(users, ra, dec, field):
    with pytest.raises(ValidationError) as err:
        create_target(users["superuser"], sidereal("Bad", ra=ra, dec=dec))
    assert field in err.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(name="Bad", ra=ra, dec=dec)


def test_sidereal_target_needs_ra_and_dec(users):
    with pytest.raises(ValidationError) as err:
        create_target(users["superuser"], TargetInput({"name": "X", "type": "SIDEREAL", "ra": 1.0}))
    assert set(err.value.message_dict) == {"dec"}


@pytest.mark.parametrize("scheme,missing", [
    ("MPC_COMET", {"perihdist", "epoch_of_perihelion"}),
    ("MPC_MINOR_PLANET", {"mean_anomaly", "semimajor_axis"}),
    ("JPL_MAJOR_PLANET", {"mean_daily_motion", "mean_anomaly", "semimajor_axis"}),
])
def test_non_sidereal_schemes_need_their_elements(users, scheme, missing):
    base = {"name": "Rock", "type": "NON_SIDEREAL", "scheme": scheme, "epoch_of_elements": 60000.0,
            "inclination": 0.0, "lng_asc_node": 10.0, "arg_of_perihelion": 20.0, "eccentricity": 0.1}
    with pytest.raises(ValidationError) as err:
        create_target(users["superuser"], TargetInput(base))
    assert set(err.value.message_dict) == missing
    complete = {**base, **{name: 1.0 for name in missing}}
    assert create_target(users["superuser"], TargetInput(complete)).inclination == 0.0


def test_extras_have_typed_views(db):
    t = Target.objects.create(name="T", ra=1, dec=1)
    number = TargetExtra.objects.create(target=t, key="z", value="0.25")
    flag = TargetExtra.objects.create(target=t, key="flag", value="true")
    when = TargetExtra.objects.create(target=t, key="seen", value="2024-05-01")
    text = TargetExtra.objects.create(target=t, key="note", value="bright")
    assert number.typed_value == 0.25
    assert flag.typed_value is True
    assert when.typed_value.year == 2024 and when.typed_value.tzinfo is not None
    assert text.typed_value == "bright"


def test_update_replaces_aliases_and_extras_and_keeps_the_primary_name_row(users, target):
    update_target(target, TargetInput({"name": "SN 2024abc-renamed", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0},
                                      ["AT 2024abc"], {"host": "NGC 1"}))
    target.refresh_from_db()
    assert target.name == "SN 2024abc-renamed"
    assert target.alias_names() == ["AT 2024abc"]
    assert {e.key: e.value for e in target.extras.all()} == {"host": "NGC 1"}
    primary = TargetName.objects.get(target=target, primary=True)
    assert primary.key == "sn2024abcrenamed"


def test_renaming_a_target_to_its_own_alias_moves_the_name(users, target):
    update_target(target, TargetInput({"name": "AT 2024abc", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0}, ["SN 2024abc"]))
    target.refresh_from_db()
    assert target.name == "AT 2024abc" and target.alias_names() == ["SN 2024abc"]


def test_matching_name_finds_aliases_in_any_spelling(target):
    assert list(Target.objects.matching_name("ztf24-aaaaaaa")) == [target]


@pytest.mark.parametrize("action", ["view", "change", "delete"])
def test_allows_agrees_with_permitted_for_every_role(users, target, action):
    from django.contrib.auth.models import AnonymousUser

    for user in [u for u in users.values() if u is not None] + [AnonymousUser()]:
        expected = Target.objects.permitted(user, action).filter(pk=target.pk).exists()
        assert Target.objects.allows(user, action, target.pk) is expected, (user, action)
