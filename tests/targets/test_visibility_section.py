"""The visibility section of the target page: who sees it, what it shows, and what it refuses."""
from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from targets.services import TargetInput, create_target

SITES = {
    "Paranal": {"latitude": -24.627439, "longitude": -70.404987, "elevation": 2669, "timezone": "America/Santiago"},
    "La Palma": {"latitude": 28.758333, "longitude": -17.88, "elevation": 2327, "timezone": "Atlantic/Canary"},
}


def section_url(target) -> str:
    return reverse("targets:section", args=[target.pk, "visibility"])


def figure_of(html: str) -> dict:
    data = re.search(r'<script type="application/json" id="plot-visibility-data">(.*?)</script>', html, re.DOTALL)
    return json.loads(data.group(1))


@pytest.fixture
def sites(settings):
    settings.VISIBILITY_SITES = SITES
    return SITES


def test_a_viewer_sees_the_plot_and_the_moon_for_each_site(client_for, target, sites):
    response = client_for("viewer").get(section_url(target))
    assert response.status_code == 200
    html = response.content.decode()
    figure = figure_of(html)
    curves = [trace for trace in figure["data"] if trace.get("showlegend") is not False]
    assert [trace["name"] for trace in curves] == ["Paranal", "La Palma"]
    assert figure["layout"]["yaxis2"]["range"] == [3.0, 1.0]
    table = html[html.index('id="visibility-table"'):]
    assert table.count("moon-illumination") == 2 and re.search(r'class="moon-illumination">\d+%<', table)
    assert re.search(r'class="moon-separation">\d+°–\d+°<', table)
    assert "Sun below −12° (nautical twilight)" in html


def test_an_outsider_gets_a_404_and_no_hint_of_the_target(client_for, target, sites):
    response = client_for("outsider").get(section_url(target))
    assert response.status_code == 404 and target.name not in response.content.decode()


def test_site_names_from_settings_are_escaped_in_the_table_and_the_figure(client_for, target, settings):
    hostile = '<img src=x onerror="alert(1)">&amp;</script>'
    settings.VISIBILITY_SITES = {hostile: SITES["Paranal"]}
    html = client_for("viewer").get(section_url(target)).content.decode()
    assert "<img" not in html and "</script>\"" not in html
    figure = figure_of(html)  # the JSON block ends at its own </script>, not at one inside a name
    # plotly renders some HTML in names: it gets the entity-escaped text, which it shows literally
    assert figure["data"][1]["name"] == '&lt;img src=x onerror="alert(1)"&gt;&amp;amp;&lt;/script&gt;'
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html  # the table, escaped by the template


def test_a_bad_site_setting_is_shown_in_the_section_not_a_500(client_for, target, settings):
    settings.VISIBILITY_SITES = {"Nowhere": {"latitude": 123, "longitude": 0, "elevation": 0}}
    response = client_for("viewer").get(section_url(target))
    assert response.status_code == 200
    assert "VISIBILITY_SITES[&#x27;Nowhere&#x27;]: latitude must be a number" in response.content.decode()


def test_no_sites_configured_says_so(client_for, target, settings):
    settings.VISIBILITY_SITES = {}
    html = client_for("viewer").get(section_url(target)).content.decode()
    assert "No observatories are configured" in html and "plot-visibility" not in html


def test_jpl_major_planet_elements_say_why_there_is_no_plot(client_for, users, sites):
    planet = create_target(users["superuser"], TargetInput({
        "name": "Jupiter", "type": "NON_SIDEREAL", "scheme": "JPL_MAJOR_PLANET", "epoch_of_elements": 60000,
        "inclination": 1.3, "lng_asc_node": 100.5, "arg_of_perihelion": 273.9, "eccentricity": 0.0484,
        "mean_daily_motion": 0.083, "mean_anomaly": 20.0, "semimajor_axis": 5.2}, [], {}))
    html = client_for("superuser").get(section_url(planet)).content.decode()
    assert "No visibility for JPL major planet elements" in html and "plot-visibility" not in html


def test_a_comet_is_drawn_from_its_elements(client_for, users, sites):
    comet = create_target(users["superuser"], TargetInput({
        "name": "2P/Encke", "type": "NON_SIDEREAL", "scheme": "MPC_COMET", "epoch_of_elements": 60600,
        "inclination": 11.4, "lng_asc_node": 334.2, "arg_of_perihelion": 187.0, "eccentricity": 0.847,
        "perihdist": 0.339, "epoch_of_perihelion": 60240.5}, [], {}))
    html = client_for("superuser").get(section_url(comet)).content.decode()
    assert len(figure_of(html)["data"]) == 4  # a night bar and a curve per site


def test_the_target_page_loads_the_section_full_width(client_for, target, sites):
    html = client_for("viewer").get(target.get_absolute_url()).content.decode()
    assert re.search(r'<div class="col-12">\s*<div class="card"><div class="card-body" id="section-visibility"', html)


def test_the_section_costs_a_constant_few_queries(client_for, target, sites, django_assert_max_num_queries):
    client = client_for("viewer")
    with django_assert_max_num_queries(6):
        assert client.get(section_url(target)).status_code == 200
