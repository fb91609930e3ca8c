"""A new target within TARGET_NEIGHBOUR_ARCSEC of one the user may view is accepted with a warning naming
and linking it (page, CSV import, API); neighbours the user may not view are never revealed."""
from __future__ import annotations

import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from targets.models import Target
from targets.neighbours import MOST_NAMED_IMPORTED, having_neighbours, neighbours
from targets.services import create_target
from tests.conftest import sidereal

ARCSEC = 1 / 3600


def create(client, **fields):
    data = {"name": "Twin", "type": "SIDEREAL", **fields}
    return client.post(reverse("targets:create"), data, follow=True)


def warning(response) -> str:
    html = response.content.decode()
    start = html.find('<span id="neighbour-warning">')
    return "" if start < 0 else html[start:html.index("</span>", start)]


@pytest.fixture
def hidden(users):
    """A target at (10, 10) that no fixture group may view."""
    return create_target(users["superuser"], sidereal("Hidden one", 10.0, 10.0))


def test_a_target_two_arcsec_from_a_visible_one_is_created_with_a_warning_linking_it(client_for, target):
    response = create(client_for("editor"), ra="150", dec=str(2.5 + 2 * ARCSEC))
    twin = Target.objects.get(name="Twin")
    assert response.redirect_chain == [(twin.get_absolute_url(), 302)]
    text = warning(response)
    assert f'<a href="{target.get_absolute_url()}">SN 2024abc</a> (2.0″)' in text
    assert text.startswith('<span id="neighbour-warning">Twin is within 5″ of') and "alias" in text


def test_no_warning_beyond_the_radius_and_none_when_it_is_zero(client_for, target, settings):
    assert warning(create(client_for("editor"), ra="150", dec=str(2.5 + 6 * ARCSEC))) == ""
    settings.TARGET_NEIGHBOUR_ARCSEC = 10
    assert "SN 2024abc" in warning(create(client_for("editor"), name="Twin 2", ra="150", dec=str(2.5 + 6 * ARCSEC)))
    settings.TARGET_NEIGHBOUR_ARCSEC = 0
    assert warning(create(client_for("editor"), name="Twin 3", ra="150", dec="2.5")) == ""
    assert Target.objects.filter(name__startswith="Twin").count() == 3


def test_a_neighbour_the_user_may_not_view_is_never_revealed(client_for, hidden, users):
    response = create(client_for("editor"), ra="10", dec="10")
    assert response.status_code == 200 and Target.objects.filter(name="Twin").exists()
    assert warning(response) == "" and "Hidden one" not in response.content.decode()
    # the same position for someone who may view it
    response = create(client_for("superuser"), name="Twin 2", ra="10", dec="10")
    assert "Hidden one" in warning(response) and "Twin" in warning(response)


def test_several_neighbours_nearest_first_and_names_escaped(client_for, users, editors):
    for name, dec in (("<b>Far</b>", 10 + 3 * ARCSEC), ("Near", 10 + 1 * ARCSEC)):
        create_target(users["superuser"], sidereal(name, 10.0, dec), view_groups=[editors])
    text = warning(create(client_for("editor"), ra="10", dec="10"))
    assert text.index(">Near</a> (1.0″)") < text.index(">&lt;b&gt;Far&lt;/b&gt;</a> (3.0″)")
    assert "<b>" not in text


def test_editing_a_target_onto_another_warns_and_an_unmoved_edit_does_not(client_for, target, users, editors):
    other = create_target(users["editor"], sidereal("Other", 20.0, 20.0))
    url = reverse("targets:update", args=[other.pk])
    unmoved = client_for("editor").post(url, {"name": "Other", "type": "SIDEREAL", "ra": "20", "dec": "20"}, follow=True)
    assert warning(unmoved) == ""
    moved = client_for("editor").post(url, {"name": "Other", "type": "SIDEREAL", "ra": "150", "dec": "2.5"}, follow=True)
    assert "SN 2024abc</a> (0.0″)" in warning(moved) and "Other is within" in warning(moved)


def test_a_non_sidereal_target_has_no_neighbours(client_for, target):
    data = {"name": "2P/Encke", "type": "NON_SIDEREAL", "scheme": "MPC_COMET", "epoch_of_elements": "60600",
            "inclination": "11.4", "lng_asc_node": "334.2", "arg_of_perihelion": "187.0", "eccentricity": "0.847",
            "perihdist": "0.339", "epoch_of_perihelion": "60240.5"}
    assert warning(client_for("editor").post(reverse("targets:create"), data, follow=True)) == ""


@pytest.mark.parametrize("existing,new", [
    ((0.0001, 0.0), (359.9999, 0.0)),  # across RA 0
    ((45.0, 89.9999), (225.0, 89.9999)),  # across the pole: 0.72" apart
    ((10.0, -89.9995), (190.0, -89.9995)),  # 3.6" apart through the south pole
])
def test_neighbours_across_ra_zero_and_the_poles(users, existing, new):
    near = create_target(users["superuser"], sidereal("Existing", *existing))
    twin = create_target(users["superuser"], sidereal("New", *new))
    assert [n.name for n in neighbours(users["superuser"], twin)] == ["Existing"]
    assert having_neighbours(users["superuser"], [twin]) == {twin.pk}
    assert having_neighbours(users["superuser"], [near, twin]) == {near.pk, twin.pk}


def test_the_import_warning_names_each_pair_once_with_links(client_for, target, hidden):
    text = ("name,ra,dec\n"
            f"Next to SN,150,{2.5 + 3 * ARCSEC}\n"
            "Pair A,40,40\n"
            f"Pair B,40,{40 + 1 * ARCSEC}\n"
            "Next to hidden,10,10\n"
            "Alone,80,80\n")
    client = client_for("editor")
    response = client.post(reverse("targets:import"), {"file": upload_file(text)}, follow=True)
    text = warning(response)
    assert text.startswith('<span id="neighbour-warning">3 imported targets lie within 5″ of another target: ')
    next_to = Target.objects.get(name="Next to SN")
    assert (f'<a href="{next_to.get_absolute_url()}">Next to SN</a> is 3.0″ from '
            f'<a href="{target.get_absolute_url()}">SN 2024abc</a>') in text
    assert text.count("Pair A") + text.count("Pair B") == 2  # one pair, said once
    assert "hidden" not in text.lower() and "Alone" not in text and "more" not in text


def test_the_import_warning_lists_the_first_few_and_counts_the_rest(client_for):
    rows = "".join(f"T{i},{i},0\nU{i},{i},{ARCSEC}\n" for i in range(1, MOST_NAMED_IMPORTED + 4))
    response = client_for("editor").post(reverse("targets:import"), {"file": upload_file("name,ra,dec\n" + rows)},
                                         follow=True)
    text = warning(response)
    assert text.startswith(f'<span id="neighbour-warning">{2 * (MOST_NAMED_IMPORTED + 3)} imported targets')
    assert text.count("</a> is 1.0″ from") == MOST_NAMED_IMPORTED and "; and 6 more." in text


def test_the_bulk_search_agrees_with_the_cone_search_and_costs_a_few_queries(users, django_assert_max_num_queries,
                                                                             settings):
    settings.TARGET_NEIGHBOUR_ARCSEC = 30
    rng = random.Random(12)
    made = []
    for i in range(1200):
        ra, dec = (rng.uniform(0, 1) - 0.5) % 360, rng.uniform(-0.5, 0.5)  # 1,200 targets in one square degree
        made.append(create_target(users["editor"], sidereal(f"R{i}", ra, dec)))
    with django_assert_max_num_queries(5):  # 3 chunks of 500, the permission check
        found = having_neighbours(users["editor"], made)
    expected = {t.pk for t in made if neighbours(users["editor"], t)}
    assert 50 < len(expected) < 1200 and found == expected
    # what the editor may not view is not a neighbour
    assert having_neighbours(users["outsider"], made) == set()


def upload_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("t.csv", text.encode(), "text/csv")
