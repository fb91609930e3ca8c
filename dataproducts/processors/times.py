"""Time columns (MJD, JD or ISO 8601) to UTC datetimes, fast; the first wrong row named when they are not.

astropy reads and converts the column as a whole; the datetimes are then
built from MJD with numpy, since ``Time.to_datetime`` costs ~0.1 ms a row
(11 s for 100,000 rows here). Only when the whole column cannot be read is
it looked at more closely, to say which row is wrong and why: its number
(data rows, counted from 1; a header line is not a row) and its value.

One rule tells a JD from an MJD, by size (``jd_or_mjd``), for a column (its median) and for one number
typed by a person or sent by a stream (``number_to_mjd``); then one range of years says whether it is a
time an observation can have.
"""
from __future__ import annotations

import math
import warnings
from datetime import timezone

import numpy as np
from astropy.time import Time

from .errors import ProcessingError

TIME_NAMES = ("time", "mjd", "jd", "date_obs", "date-obs", "dateobs", "obs_date", "mjd_obs", "mjd-obs", "hjd",
              "bjd", "timestamp", "datetime", "date", "obsdate", "t")
MJD_EPOCH = np.datetime64("1858-11-17T00:00:00", "us")
JD_MINUS_MJD = 2_400_000.5
# The times an observation can have, as this TOM takes them: a value outside is another format's (a JD among MJDs),
# a row number or a typo, and would otherwise be stored as a date centuries away.
EARLIEST_YEAR, LATEST_YEAR = 1800, 2200
MJD_MIN = float((np.datetime64(f"{EARLIEST_YEAR}-01-01", "D") - np.datetime64("1858-11-17", "D")).astype(int))
MJD_MAX = float((np.datetime64(f"{LATEST_YEAR}-01-01", "D") - np.datetime64("1858-11-17", "D")).astype(int))
FORMATS = "use MJD, JD or ISO 8601"


def mjd_to_times(mjd) -> np.ndarray:
    """MJD (UTC) as ``datetime64[us]``, to the microsecond."""
    micro = np.round(np.asarray(mjd, dtype=float) * 86_400_000_000).astype("int64")
    return MJD_EPOCH + micro.astype("timedelta64[us]")


def mjd_to_datetimes(mjd) -> list:
    return [moment.replace(tzinfo=timezone.utc) for moment in mjd_to_times(mjd).astype(object)]


def jd_or_mjd(number: float) -> str | None:
    """``"jd"`` or ``"mjd"`` for a number that looks like one, told by its size alone; None if it looks like neither.

    Above 2,400,000 it is a JD (as an MJD it would be the year 8430). Between 15,000 (1899) and 100,000 (2132) it
    is an MJD; smaller numbers are row numbers or phases, larger ones neither.
    """
    if number > 2_400_000:
        return "jd"
    if 15_000 < number < 100_000:
        return "mjd"
    return None


def number_to_mjd(number: float) -> float | None:
    """One number that is an MJD or a JD (``jd_or_mjd``), as MJD; None if it is neither, or not a time between
    ``EARLIEST_YEAR`` and ``LATEST_YEAR``. A page's field, a stream's ``date_obs`` and a spectrum's date read it."""
    fmt = jd_or_mjd(number) if math.isfinite(number) else None
    if fmt is None:
        return None
    mjd = number - JD_MINUS_MJD if fmt == "jd" else number
    return mjd if MJD_MIN <= mjd <= MJD_MAX else None


def _numeric_format(column_name: str, values: np.ndarray) -> str:
    name = column_name.lower()
    if "mjd" in name:
        return "mjd"
    if name in ("jd", "hjd", "bjd") or name.endswith("_jd"):
        return "jd"
    median = float(np.median(values))
    if fmt := jd_or_mjd(median):
        return fmt
    raise ProcessingError(f"column {column_name!r}: {median:g} looks like neither MJD nor JD.")


def _where(index: int, column_name: str) -> str:
    return f"data row {index + 1}, column {column_name!r}"


def _numbers_to_mjd(column_name: str, values: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
    """MJD for a column of numbers (MJD or JD, from its name or size); the first row that is not one named."""
    def shown(index: int) -> str:
        return repr(texts[index]) if texts is not None else f"{values[index]:.12g}"

    finite = np.isfinite(values)
    if not finite.all():
        index = int(np.argmax(~finite))
        raise ProcessingError(f"{_where(index, column_name)}: {shown(index)} is not a time ({FORMATS}).")
    fmt = _numeric_format(column_name, values)
    mjd = values - JD_MINUS_MJD if fmt == "jd" else values
    outside = (mjd < MJD_MIN) | (mjd > MJD_MAX)
    if outside.any():
        index = int(np.argmax(outside))
        value = values[index]
        if fmt == "mjd" and MJD_MIN <= value - JD_MINUS_MJD <= MJD_MAX:
            why = "is a JD where the column's other times are MJD: give them all as MJD, or all as JD"
        elif fmt == "jd" and MJD_MIN <= value <= MJD_MAX:
            why = "is an MJD where the column's other times are JD: give them all as JD, or all as MJD"
        else:
            why = f"is not a time between {EARLIEST_YEAR} and {LATEST_YEAR} as {fmt.upper()}"
        raise ProcessingError(f"{_where(index, column_name)}: {shown(index)} {why}.")
    return mjd


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _parses(texts: list[str]) -> bool:
    try:
        Time(texts, scale="utc")
    except (ValueError, TypeError):
        return False
    return True


def _first_wrong_text(column_name: str, texts: list[str]) -> ProcessingError:
    """Why a column of ISO-like texts cannot be read as a whole: its first row that cannot be read with those
    before it, found by halving (a prefix that reads makes every shorter one read; a row at a time would cost
    ~0.1 ms each)."""
    good, bad = 0, len(texts)  # texts[:good] reads, texts[:bad] does not
    while bad - good > 1:
        middle = (good + bad) // 2
        if _parses(texts[:middle]):
            good = middle
        else:
            bad = middle
    index = bad - 1
    where, text = _where(index, column_name), texts[index]
    if not math.isnan(_float_or_nan(text)):
        return ProcessingError(f"{where}: {text!r} is a number where the column's other times are dates (ISO 8601); "
                               "write every time of the column the same way.")
    if _parses(texts[index:bad]):  # readable alone: written unlike the rows before it ("2025-01-01 00:00" after "...T...")
        return ProcessingError(f"{where}: {text!r} is written differently from the rows before it; write every time "
                               "of the column the same way.")
    return ProcessingError(f"{where}: {text!r} is not a time ({FORMATS}).")


def column_to_mjd(column_name: str, data) -> np.ndarray:
    """MJD (UTC) for every row of a time column; the first unreadable row is named, with its value."""
    mask = np.ma.getmaskarray(data)
    if mask.any():
        raise ProcessingError(f"{_where(int(np.argmax(mask)), column_name)}: the time is empty.")
    kind = getattr(data, "dtype", np.dtype(object)).kind
    if kind in "fiu":
        return _numbers_to_mjd(column_name, np.asarray(data, dtype=float))
    texts = [str(v).strip() for v in data]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            mjd = np.asarray(Time(texts, scale="utc").mjd, dtype=float)
        except (ValueError, TypeError):
            pass
        else:  # ISO 8601 (the fast path), checked like numbers: a year 2502 is a typo, not an observation
            outside = (mjd < MJD_MIN) | (mjd > MJD_MAX)
            if outside.any():
                index = int(np.argmax(outside))
                raise ProcessingError(f"{_where(index, column_name)}: {texts[index]!r} is not a time between "
                                      f"{EARLIEST_YEAR} and {LATEST_YEAR}.")
            return mjd
        # Numbers read as text (one row is not a number, so the reader kept the column as text)?
        numbers = np.array([_float_or_nan(text) for text in texts])
        is_number = ~np.isnan(numbers) | np.array([text.lower() == "nan" for text in texts])
        if 2 * int(is_number.sum()) >= len(texts):
            if not is_number.all():
                index = int(np.argmax(~is_number))
                raise ProcessingError(f"{_where(index, column_name)}: {texts[index]!r} is not a time; the column's "
                                      f"other rows are numbers (MJD or JD).")
            return _numbers_to_mjd(column_name, numbers, texts)
        raise _first_wrong_text(column_name, texts)
