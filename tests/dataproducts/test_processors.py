"""Processors on files the tests write with astropy; failures keep nothing, re-uploads add nothing."""
from __future__ import annotations

import io
import os
from datetime import datetime, timezone

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.table import Table
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dataproducts.models import DataProduct, Ingest, ReducedDatum
from dataproducts.services import upload_data_product


def upload(target, name, content, kind="photometry", **kwargs):
    return upload_data_product(target, SimpleUploadedFile(name, content), kind, **kwargs)


def table_bytes(table: Table, fmt: str) -> bytes:
    buffer = io.BytesIO() if fmt == "fits" else io.StringIO()
    table.write(buffer, format=fmt)
    value = buffer.getvalue()
    return value if isinstance(value, bytes) else value.encode()


def media_files() -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, f) for f in files]
    return found


def test_csv_with_detections_and_limits(target):
    csv = b"mjd,filter,magnitude,error,limit,telescope,airmass\n60400.5,g,18.5,0.05,,LCO,1.2\n60401.5,r,,,20.25,LCO,1.4\n"
    result = upload(target, "lc.csv", csv)
    assert result.saved.created == 2
    det, lim = ReducedDatum.objects.order_by("timestamp")
    assert det.timestamp == datetime(2024, 3, 31, 12, tzinfo=timezone.utc)  # MJD 60400 is 2024-03-31
    assert (det.bandpass, det.brightness, det.brightness_error, det.limit, det.telescope) == ("g", 18.5, 0.05, None, "LCO")
    assert det.value == {"airmass": 1.2} and det.data_product == result.data_product
    assert lim.brightness is None and lim.limit == 20.25 and lim.is_limit
    assert result.data_product.data.name.startswith("sn-2024abc/")


def test_ecsv_with_jd_times_and_3x_names(target):
    table = Table({"jd": [2460400.5, 2460401.5], "bandpass": ["V", "V"], "brightness": [15.1, 15.3],
                   "brightness_error": [0.01, 0.02], "instrument": ["QHY", "QHY"]})
    assert upload(target, "lc.ecsv", table_bytes(table, "ascii.ecsv")).saved.created == 2
    first = ReducedDatum.objects.order_by("timestamp").first()
    assert first.timestamp == datetime(2024, 3, 31, 0, tzinfo=timezone.utc) and first.instrument == "QHY"


def test_iso_times_and_a_fits_table(target):
    table = Table({"date_obs": ["2024-04-01T06:00:00", "2024-04-02T06:30:00.5"], "filter": ["i", "i"],
                   "mag": [17.0, 17.1], "magerr": [0.1, 0.1]})
    assert upload(target, "lc.fits", table_bytes(table, "fits")).saved.created == 2
    times = sorted(ReducedDatum.objects.values_list("timestamp", flat=True))
    assert times[1] == datetime(2024, 4, 2, 6, 30, 0, 500000, tzinfo=timezone.utc)


def test_uploading_the_same_file_again_creates_nothing(target, users):
    csv = b"mjd,filter,mag\n60400.5,g,18.5\n"
    first = upload(target, "a.csv", csv)
    again = upload(target, "renamed.csv", csv)
    assert again.already_uploaded and again.data_product == first.data_product
    assert DataProduct.objects.count() == 1 and ReducedDatum.objects.count() == 1
    # a different file holding the same points: a new product, no new datums
    overlap = upload(target, "b.csv", b"mjd,filter,mag,note\n60400.5,g,18.5,x\n")
    assert overlap.saved.created == 0 and overlap.saved.existing == 1 and ReducedDatum.objects.count() == 1


@pytest.mark.parametrize("content,message", [
    (b"filter,mag\ng,18\n", "no time column"),
    (b"mjd,filter,mag\n60400.5,g,18\n60401.5,g,bright\n", "row 2, column 'mag': 'bright' is not a number"),
    (b"mjd,filter,mag,limit\n60400.5,g,18,\n60401.5,g,,\n", "row 2: no brightness and no limit"),
    (b"mjd,filter,error\n60400.5,g,0.1\n", "no magnitude or limit column"),
    (b"date_obs,filter,mag\n2024-04-01T00:00:00,g,18\nnot-a-date,g,18\n", "row 2, column 'date_obs': 'not-a-date' is not a time"),
    (b"time,filter,mag\n5,g,18\n", "looks like neither MJD nor JD"),
    (b"mjd,filter,mag\n", "no rows"),
    (b"mjd,filter,mag\n60400,g,18\n60401,g,18,1,2\n", "cannot be read as a table"),
])
def test_bad_photometry_names_the_problem_and_leaves_nothing(target, content, message):
    with pytest.raises(ValidationError) as err:
        upload(target, "bad.csv", content)
    assert message in str(err.value.message_dict["data"])
    assert "bad.csv" in str(err.value.message_dict["data"])
    assert not DataProduct.objects.exists() and not ReducedDatum.objects.exists() and not Ingest.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize("content,message", [
    # the file: the third row's time is unreadable, and that row and value are named
    (b"mjd,filter,mag\n60700.10,g,18\n60700.12,g,18\nnotadate,g,18\n",
     "data row 3, column 'mjd': 'notadate' is not a time; the column's other rows are numbers (MJD or JD)."),
    (b"time,filter,mag\nsoon,g,18\n60700.12,g,18\n60700.14,g,18\n", "data row 1, column 'time': 'soon' is not a time"),
    (b"date_obs,filter,mag\n2025-01-01T00:00:00,g,18\n2025-01-02T00:00:00,g,18\n2025-13-45T00:00:00,g,18\n",
     "data row 3, column 'date_obs': '2025-13-45T00:00:00' is not a time (use MJD, JD or ISO 8601)."),
    (b"date_obs,filter,mag\n2025-01-01,g,18\n60700.5,g,18\n2025-01-03,g,18\n",
     "data row 2, column 'date_obs': '60700.5' is a number where the column's other times are dates (ISO 8601)"),
    (b"time,filter,mag\n2025-01-01 00:00,g,18\n2025-01-02T03:00:00,g,18\n",
     "data row 2, column 'time': '2025-01-02T03:00:00' is written differently from the rows before it"),
    (b"date_obs,filter,mag\n2025-01-01,g,18\n2502-01-03,g,18\n",
     "data row 2, column 'date_obs': '2502-01-03' is not a time between 1800 and 2200."),
    # MJD and JD mixed in one column of numbers: the row of the other kind, not a date 6,700 years away
    (b"time,filter,mag\n60700.1,g,18\n2460700.6,g,18\n60700.3,g,18\n",
     "data row 2, column 'time': 2460700.6 is a JD where the column's other times are MJD"),
    (b"jd,filter,mag\n2460700.1,g,18\n2460700.2,g,18\n60700.6,g,18\n",
     "data row 3, column 'jd': 60700.6 is an MJD where the column's other times are JD"),
    (b"mjd,filter,mag\n60700.1,g,18\n3000000,g,18\n", "data row 2, column 'mjd': 3000000 is not a time between 1800 and 2200 as MJD."),
    (b"mjd,filter,mag\n60700.1,g,18\nnan,g,18\n", "data row 2, column 'mjd': nan is not a time"),
])
def test_a_wrong_time_is_named_by_its_data_row_and_value(target, content, message):
    with pytest.raises(ValidationError) as err:
        upload(target, "times.csv", content)
    assert message in str(err.value.message_dict["data"])
    assert not ReducedDatum.objects.exists()


@pytest.mark.parametrize("bad_row", [1, 2, 4321, 5000])
def test_the_first_wrong_date_is_found_in_a_long_column(target, bad_row):
    rows = [f"2025-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},g,18\n" for i in range(5000)]
    rows[bad_row - 1] = "2025-02-30T00:00:00,g,18\n"
    rows[-1] = "also wrong,g,18\n" if bad_row != 5000 else rows[-1]  # only the first is named
    with pytest.raises(ValidationError) as err:
        upload(target, "long.csv", ("date_obs,filter,mag\n" + "".join(rows)).encode())
    assert f"data row {bad_row}, column 'date_obs': '2025-02-30T00:00:00' is not a time" in str(err.value)


def test_dates_written_alike_or_as_numbers_are_read(target):
    upload(target, "iso.csv", b"date_obs,filter,mag\n2025-01-01,g,18\n2025-01-02T06:00:00Z,g,18\n")
    upload(target, "numbers.ecsv", table_bytes(Table({"mjd": ["60700.25", "60701.5"], "mag": [18.0, 18.1]}), "ascii.ecsv"))
    assert sorted(ReducedDatum.objects.values_list("timestamp", flat=True)) == [
        datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, 6, tzinfo=timezone.utc),
        datetime(2025, 1, 25, 6, tzinfo=timezone.utc), datetime(2025, 1, 26, 12, tzinfo=timezone.utc)]


def test_unknown_type_is_refused(target):
    with pytest.raises(ValidationError) as err:
        upload(target, "x.csv", b"mjd,mag\n1,1\n", kind="nonsense")
    assert "photometry, spectroscopy, fits_file, image_file" in str(err.value)


def test_files_without_a_processor_are_kept_as_files(target):
    result = upload(target, "image.fits", b"SIMPLE  = T", kind="image_file")
    assert result.saved.created == 0 and DataProduct.objects.get().data_product_type == "image_file"


def spectrum_image(**header) -> bytes:
    hdu = fits.PrimaryHDU(np.linspace(1.0, 2.0, 50))
    hdu.header.update({"CRVAL1": 4000.0, "CDELT1": 2.0, "CRPIX1": 1.0, "CUNIT1": "Angstrom", "BUNIT": "erg/s/cm2/Angstrom",
                       "DATE-OBS": "2024-04-03T01:02:03", "TELESCOP": "NOT", "INSTRUME": "ALFOSC", **header})
    buffer = io.BytesIO()
    hdu.writeto(buffer)
    return buffer.getvalue()


def test_fits_spectrum_with_a_wcs(target):
    upload(target, "spec.fits", spectrum_image(), kind="spectroscopy")
    datum = ReducedDatum.objects.get()
    assert datum.data_type == "spectroscopy" and (datum.telescope, datum.instrument) == ("NOT", "ALFOSC")
    assert datum.timestamp == datetime(2024, 4, 3, 1, 2, 3, tzinfo=timezone.utc)
    assert len(datum.value["flux"]) == 50 and datum.value["wavelength"][:2] == [4000.0, 4002.0]
    assert datum.value["wavelength_units"] == "Angstrom" and u.Unit(datum.value["flux_units"]) == u.Unit("erg/(s cm2 Angstrom)")


def test_fits_spectrum_as_a_binary_table(target):
    table = Table({"WAVE": np.linspace(500, 600, 20) * u.nm, "FLUX": np.ones(20) * u.mJy, "ERR": np.full(20, 0.1) * u.mJy})
    table.meta["MJD-OBS"] = 60400.25
    upload(target, "spec_table.fits", table_bytes(table, "fits"), kind="spectroscopy")
    value = ReducedDatum.objects.get().value
    assert value["wavelength_units"] == "nm" and value["flux_units"] == "mJy" and value["error"][0] == 0.1
    assert ReducedDatum.objects.get().timestamp == datetime(2024, 3, 31, 6, tzinfo=timezone.utc)


def test_ascii_spectrum_with_date_in_a_comment(target):
    text = b"# DATE-OBS: 2024-04-05T10:20:30\n# TELESCOPE: FTN\n# wavelength_units: nm\nwavelength flux error\n500 1.0 0.1\n501 1.5 0.1\n"
    upload(target, "spec.txt", text, kind="spectroscopy")
    datum = ReducedDatum.objects.get()
    assert datum.timestamp == datetime(2024, 4, 5, 10, 20, 30, tzinfo=timezone.utc)  # not cut at the first colon
    assert datum.telescope == "FTN" and datum.value["wavelength_units"] == "nm" and datum.value["flux"] == [1.0, 1.5]


@pytest.mark.parametrize("name,content,message", [
    ("spec.fits", spectrum_image(**{"DATE-OBS": None}), "no observation date"),
    ("spec.fits", b"not fits at all", "not a readable FITS file"),
    ("spec.txt", b"wavelength flux\n500 1\n", "no observation date"),
    ("spec.txt", b"# DATE-OBS: 2024-04-05\nlam counts_x\n500 1\n", "needs a wavelength and a flux column"),
    ("spec.txt", b"# DATE-OBS: 2024-04-05\n# flux_units: furlongs\nwavelength flux\n500 1\n", "unknown unit 'furlongs'"),
])
def test_bad_spectra_are_refused_whole(target, name, content, message):
    with pytest.raises(ValidationError) as err:
        upload(target, name, content, kind="spectroscopy")
    assert message in str(err.value)
    assert not DataProduct.objects.exists() and media_files() == []


def test_a_long_light_curve_goes_in_whole(target):
    n = 20_000
    mjd = 60000 + np.arange(n) / 100
    lines = ["mjd,filter,mag,err"] + [f"{m:.5f},{'gri'[i % 3]},{18 + (i % 100) / 100:.2f},0.05" for i, m in enumerate(mjd)]
    result = upload(target, "long.csv", ("\n".join(lines) + "\n").encode())
    assert result.saved.created == n and ReducedDatum.objects.filter(target=target).count() == n


@pytest.mark.parametrize("date", ["60400.25", "2460400.75"])
def test_a_spectrum_dated_by_a_number_reads_it_as_an_mjd_or_a_jd(target, date):
    text = f"# DATE-OBS: {date}\nwavelength flux\n500 1.0\n501 1.5\n".encode()
    upload(target, "spec.txt", text, kind="spectroscopy")
    assert ReducedDatum.objects.get().timestamp == datetime(2024, 3, 31, 6, tzinfo=timezone.utc)


def test_a_spectrum_dated_by_a_number_that_is_no_time_is_refused(target):
    with pytest.raises(ValidationError, match=r"observation date '12' is not a time \(ISO 8601, MJD or JD\)"):
        upload(target, "spec.txt", b"# DATE-OBS: 12\nwavelength flux\n500 1.0\n501 1.5\n", kind="spectroscopy")
    assert not ReducedDatum.objects.exists() and not DataProduct.objects.exists()
