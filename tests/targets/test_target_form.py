"""The target form as people read it: words with units, the rules of each type and scheme, honest marks."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from targets.forms import FORM_FIELDS, ORBITAL_LAYOUT, TargetForm
from targets.models import ORBITAL_FIELDS, Scheme, TargetType, required_fields


def field_tags(html: str) -> dict[str, str]:
    """Each named input or select of the page, by name (the first one: groups have several)."""
    tags = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name:
            tags.setdefault(name.group(1), tag)
    return tags


def classes(tag: str) -> set[str]:
    found = re.search(r'class="([^"]*)"', tag)
    return set(found.group(1).split()) if found else set()


@pytest.mark.parametrize("label", [
    "Right ascension (deg or hh:mm:ss)", "Declination (deg or dd:mm:ss)", "Epoch of the coordinates (Julian year)",
    "Proper motion in RA (mas/yr)", "Proper motion in Dec (mas/yr)", "Parallax (mas)", "Distance (pc)",
    "Epoch of elements (MJD)", "Mean anomaly (deg)", "Argument of perihelion (deg)", "Eccentricity",
    "Longitude of ascending node (deg)", "Inclination (deg)", "Mean daily motion (deg/day)", "Semimajor axis (AU)",
    "Epoch of perihelion (MJD)", "Perihelion distance (AU)", "Orbital element scheme",
])
def test_labels_are_words_with_units(client_for, label):
    html = client_for("editor").get(reverse("targets:create")).content.decode()
    assert f">{label}</label>" in html


def test_every_field_has_a_label_in_words_not_its_field_name():
    form = TargetForm()
    for name in FORM_FIELDS:
        label = form.fields[name].label
        field_name_as_words = name.replace("_", " ").capitalize()  # what Django shows without a label
        if name not in ("name", "type", "eccentricity"):
            assert label != field_name_as_words, name
        assert label and "_" not in label and label[0].isupper(), (name, label)


def test_the_non_sidereal_fieldset_holds_every_orbital_field_once():
    assert sorted(ORBITAL_LAYOUT) == sorted(("scheme", *ORBITAL_FIELDS))


@pytest.mark.parametrize("target_type", TargetType.values)
@pytest.mark.parametrize("scheme", ["", *Scheme.values])
def test_required_marks_on_the_page_are_the_models_rules(client_for, target_type, scheme):
    """The page carries, for each field, the type/scheme cases that require it: read back, they are
    exactly ``required_fields`` (so the script that marks them needs no rule of its own)."""
    tags = field_tags(client_for("editor").get(reverse("targets:create")).content.decode())
    marked = {name for name, tag in tags.items()
              if (cases := re.search(r'data-required-when="([^"]*)"', tag))
              and f"{target_type}/{scheme}" in cases.group(1).split()}
    assert marked == set(required_fields(target_type, scheme))
    always = {name for name, tag in tags.items() if 'data-required-when="*"' in tag}
    assert always == {"name", "type"}


def test_each_type_has_its_fieldset_and_the_script_is_a_static_file(client_for):
    html = client_for("editor").get(reverse("targets:create")).content.decode()
    assert 'data-shown-for="SIDEREAL"' in html and 'data-shown-for="NON_SIDEREAL"' in html
    assert re.search(r'<script src="/static/targets/target_form\.js" defer></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html.split("</head>", 1)[1]), "no inline script"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handler"


def test_after_a_failed_submit_empty_fields_are_not_marked_valid(client_for):
    data = {"name": "2P/Encke", "type": "NON_SIDEREAL", "scheme": "MPC_COMET", "inclination": "11.4"}
    response = client_for("editor").post(reverse("targets:create"), data)
    assert response.status_code == 400
    tags = field_tags(response.content.decode())
    assert "is-valid" in classes(tags["name"]) and "is-valid" in classes(tags["inclination"])
    assert "is-invalid" in classes(tags["epoch_of_elements"]) and "is-invalid" in classes(tags["perihdist"])
    for empty in ("ra", "dec", "epoch", "pm_ra", "abs_mag", "slope", "mean_anomaly", "aliases", "extras"):
        assert not classes(tags[empty]) & {"is-valid", "is-invalid"}, (empty, tags[empty])
    for box in re.findall(r'<input[^>]*name="view_groups"[^>]*>', response.content.decode()):
        assert "is-valid" not in classes(box)


def test_a_value_of_zero_is_not_empty(client_for):
    response = client_for("editor").post(reverse("targets:create"), {"name": "Zero", "type": "SIDEREAL", "ra": "0", "pm_ra": "0"})
    tags = field_tags(response.content.decode())
    assert "is-valid" in classes(tags["ra"]) and "is-valid" in classes(tags["pm_ra"])
    assert "is-invalid" in classes(tags["dec"])
