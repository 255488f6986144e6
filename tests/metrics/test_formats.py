"""One formatter per quantity: tiles, changes, the text report and the JSON agree."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.catalogue import METRICS
from metrics.formats import QUANTITIES, change, plain, show


@pytest.mark.parametrize(("now", "prev", "fmt", "shown"), [
    (12, 9, "int", "+3"),
    (0.5, 0.55, "pct", "-5 pts"),
    (10.0, 8.5, "hours", "+1.5 h"),
    (-1.0, 2.0, "days", "-3 wd"),
    (-1.0, 2.0, "shift", "-3 wd"),
    (71.2, 70.9, "score", "+0"),
    (1.0, 0.25, "float", "+0.8"),
    (None, 3, "int", None),
    (3, math.nan, "hours", None),
    (pd.NA, 3, "pct", None),
])
def test_a_change_is_written_in_the_quantitys_own_unit(now, prev, fmt, shown) -> None:
    assert change(now, prev, fmt) == shown


def test_every_catalogue_metric_names_a_known_quantity() -> None:
    assert {m.format for m in METRICS} <= set(QUANTITIES)


def test_a_value_and_its_json_form_round_alike() -> None:
    assert show(2.25, "float") == "2.3" and plain(2.125, "float") == 2.13  # half up, as a spreadsheet rounds
    assert show(0.125, "pct") == "13%" and show(2.5, "int") == "3"
    assert show(1234.0, "int") == "1,234" and plain(1234.0, "int") == 1234
    assert show(None, "pct") == "—" and plain(None, "pct") is None
