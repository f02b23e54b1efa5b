"""Reading demand histories: layouts, frequencies, encodings, and bad files refused by line."""

import datetime as dt

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.demand import load_history


def _write(tmp_path, text: str, name="h.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _long(days=10, products=("A", "B"), start=dt.date(2024, 1, 1), step=1):
    rows = ["date,product_name,demand"]
    for i in range(days):
        for k, p in enumerate(products):
            rows.append(f"{start + dt.timedelta(days=step * i)},{p},{i + 10 * k}")
    return "\n".join(rows) + "\n"


def test_long_daily(tmp_path):
    ds = load_history(_write(tmp_path, _long()))
    assert ds["demand"].dims == ("product", "date")
    assert list(ds["product"].values) == ["A", "B"]
    assert ds.attrs["frequency"] == "daily" and ds.attrs["layout"] == "long"
    assert ds["demand"].sel(product="B").values.tolist() == [float(10 + i) for i in range(10)]
    assert ds["date"].values[0] == np.datetime64("2024-01-01")
    assert (ds["days"] == 1).all()


def test_rows_in_any_order_and_extra_columns(tmp_path):
    lines = _long(4).splitlines()
    text = "store," + lines[0] + "\n" + "\n".join("x," + r for r in reversed(lines[1:])) + "\n"
    ds = load_history(_write(tmp_path, text))
    assert ds["demand"].sel(product="A").values.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_wide_file_one_column_per_product(tmp_path):
    text = "day,apples,pears\n2024-01-01,1,2\n2024-01-02,3,4\n2024-01-03,5,6\n"
    ds = load_history(_write(tmp_path, text))
    assert ds.attrs["layout"] == "wide"
    assert ds["demand"].sel(product="pears").values.tolist() == [2.0, 4.0, 6.0]


def test_wide_product_launched_later_has_nan_before(tmp_path):
    text = "date,old,new\n2024-01-01,1,\n2024-01-02,3,\n2024-01-03,5,7\n2024-01-04,5,8\n"
    ds = load_history(_write(tmp_path, text))
    new = ds["demand"].sel(product="new").values
    assert np.isnan(new[:2]).all() and new[2:].tolist() == [7.0, 8.0]


def test_named_columns_and_case(tmp_path):
    text = "When,SKU code,Sold,Price\n2024-01-01,a,1,9.9\n2024-01-02,a,2,9.9\n"
    ds = load_history(
        _write(tmp_path, text), date_column="when", product_column="sku code", value_column="SOLD"
    )
    assert ds["demand"].sel(product="a").values.tolist() == [1.0, 2.0]


def test_weekly_and_monthly(tmp_path):
    ds = load_history(_write(tmp_path, _long(5, step=7, start=dt.date(2024, 1, 3))))
    assert ds.attrs["frequency"] == "weekly" and (ds["days"] == 7).all()
    text = "month,product,units\n2024-01-31,a,5\n2024-02-29,a,6\n2024-03-31,a,7\n"
    ds = load_history(_write(tmp_path, text, "m.csv"))
    assert ds.attrs["frequency"] == "monthly"
    assert ds["days"].values.tolist() == [31, 29, 31]
    assert ds["date"].values[1] == np.datetime64("2024-02-01")  # a month is labelled by its 1st


def test_iso_weeks_months_and_date_formats(tmp_path):
    text = "week,a\n2024-W01,1\n2024-W02,2\n2024-W03,3\n"
    ds = load_history(_write(tmp_path, text))
    assert ds.attrs["frequency"] == "weekly"
    assert ds["date"].values[0] == np.datetime64("2024-01-01")
    text = "date,a\n31/12/2023,1\n01/01/2024,2\n"
    ds = load_history(_write(tmp_path, text, "f.csv"), date_format="%d/%m/%Y")
    assert ds["date"].values[0] == np.datetime64("2023-12-31")
    text = "date,a\n2024-01-01 00:00:00,1\n2024-01-02T00:00,2\n"
    assert load_history(_write(tmp_path, text, "t.csv"))["demand"].size == 2


def test_utf8_bom_from_a_spreadsheet_is_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _long(3).encode())
    ds = load_history(path)
    assert list(ds["product"].values) == ["A", "B"]
    assert ds["demand"].sel(product="A").values.tolist() == [0.0, 1.0, 2.0]


def test_utf16_and_semicolons_with_decimal_commas(tmp_path):
    text = "date;Café;Thé\r\n2024-01-01;1,5;2\r\n2024-01-02;3;4\r\n"
    ds = load_history(_write(tmp_path, "\ufeff" + text, encoding="utf-16"))
    assert ds["demand"].sel(product="Café").values.tolist() == [1.5, 3.0]


def test_blank_lines_are_skipped_and_lines_still_counted(tmp_path):
    text = "date,a\n\n2024-01-01,1\n\n2024-01-02,-1\n"
    with pytest.raises(ValueError, match="line 5: column 'a' must be a number >= 0, got '-1'"):
        load_history(_write(tmp_path, text))


def test_missing_zero_fills_gaps_and_trailing_periods(tmp_path):
    text = "date,product,qty\n2024-01-01,a,1\n2024-01-03,a,3\n2024-01-01,b,1\n2024-01-04,b,1\n"
    ds = load_history(_write(tmp_path, text), missing="zero")
    assert ds["demand"].sel(product="a").values.tolist() == [1.0, 0.0, 3.0, 0.0]
    assert ds.attrs["filled"] == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a gap: a missing row, and an empty cell
        ("date,product,qty\n2024-01-01,a,1\n2024-01-03,a,3\n2024-01-04,a,4\n",
         r"line 3: product 'a' has no row for the day of 2024-01-02 \(a gap after line 2\)"),
        ("date,a,b\n2024-01-01,1,1\n2024-01-02,,2\n2024-01-03,3,3\n",
         r"line 3: product 'a' has no value for the day of 2024-01-02 \(an empty cell"),
        # duplicates
        ("date,product,qty\n2024-01-01,a,1\n2024-01-02,a,2\n2024-01-01,a,3\n",
         r"line 4: product 'a' has two rows for the day of 2024-01-01 \(lines 2 and 4\)"),
        ("month,product,qty\n2024-01-01,a,1\n2024-02-01,a,1\n2024-01-15,a,3\n",
         r"lines 2 and 4: dates 2024-01-01 and 2024-01-15 are 14 days apart"),
        # negatives, NaN, infinities, text
        ("date,product,qty\n2024-01-01,a,1\n2024-01-02,a,-3\n",
         r"line 3: column 'qty' must be a number >= 0, got '-3'"),
        ("date,a\n2024-01-01,1\n2024-01-02,1\n2024-01-03,NaN\n",
         r"line 4: column 'a' must be a number >= 0, got 'NaN'"),
        ("date,a\n2024-01-01,inf\n", r"line 2: column 'a' must be a number >= 0, got 'inf'"),
        ("date,a\n2024-01-01,1\n2024-01-02,ten\n",
         r"line 3: column 'a' must be a number, got 'ten'"),
        # unparsable dates
        ("date,a\n2024-01-01,1\n2024-13-02,1\n",
         r"line 3: column 'date': '2024-13-02' is not a valid"),
        ("date,a\n2024-01-01,1\n01/02/2024,1\n",
         r"line 3: column 'date': '01/02/2024' is not a date such as 2024-01-31"),
        ("date,a\n2024-01-01 10:30,1\n", r"line 2: column 'date': .* has a time of day"),
        ("date,a\n2024-01-01,1\n,1\n", r"line 3: column 'date' is empty"),
        # weekly dates on another weekday; a product that stops early
        ("date,a\n2024-01-01,1\n2024-01-08,1\n2024-01-16,1\n",
         r"line 4: 2024-01-16 is a Tuesday, but the weekly dates start on Mondays"),
        ("date,product,qty\n2024-01-01,a,1\n2024-01-02,a,1\n2024-01-01,b,1\n",
         r"product 'b' stops at line 4 \(2024-01-01\) but the file runs to 2024-01-02"),
        # header problems
        ("date,a,A\n2024-01-01,1,2\n", r"line 1: the header names column 'a' twice"),
        ("date,,b\n2024-01-01,1,2\n", r"line 1: column 2 of the header has no name"),
        ("date,product,count,other\n2024-01-01,a,1,2\n",
         r"name the demand column with value_column"),
        ("date,product,qty\n2024-01-01,,1\n", r"line 2: column 'product' is empty"),
        ("date,a\n2024-01-01,1,5\n", r"line 2: 3 cells but the header has 2 columns"),
        ("date,a\n", r"has a header but no rows"),
        ("", r"is empty"),
        ("date,a\n2024-01-01,1\n2024-01-04,1\n", r"lines 2 and 3: dates .* are 3 days apart"),
        ("date,a\n2024-01-01,1\n", r"at least two distinct dates .* give the frequency"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_their_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_history(_write(tmp_path, text))


def test_monthly_duplicates_name_both_lines(tmp_path):
    text = "month,product,qty\n2024-01-01,a,1\n2024-02-01,a,1\n2024-01-15,a,3\n"
    with pytest.raises(
        ValueError,
        match=r"line 4: product 'a' has two rows for the month of "
        r"2024-01-01 \(lines 2 and 4\)",
    ):
        load_history(_write(tmp_path, text), frequency="monthly")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        b"date,a\n2024-01-01,1\n2024-01-02,1\n" + "Caf\xe9,2\n".encode("latin-1")
    )
    with pytest.raises(ValueError, match=r"line 4: the text is not UTF-8 .* 'CSV UTF-8'"):
        load_history(path)


def test_bad_arguments(tmp_path):
    path = _write(tmp_path, _long(3))
    with pytest.raises(ValueError, match="frequency must be one of"):
        load_history(path, frequency="hourly")
    with pytest.raises(ValueError, match="missing must be one of"):
        load_history(path, missing="skip")
    with pytest.raises(ValueError, match="has no column 'sku'"):
        load_history(path, product_column="sku")
    with pytest.raises(ValueError, match="does not exist"):
        load_history(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="value_column does not apply"):
        load_history(_write(tmp_path, "date,a\n2024-01-01,1\n", "w.csv"), value_column="a")


def test_trace_from_csv_accepts_a_bom(tmp_path):
    path = tmp_path / "one.csv"
    path.write_bytes(b"\xef\xbb\xbfday,units\n2024-01-01,4\n2024-01-02,6\n")
    assert ft.Trace.from_csv(path, "units", date_column="day").values == (4.0, 6.0)
