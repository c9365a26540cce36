"""The display layer: one formatter per unit, sm.show, the CLI text table, result HTML."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import spinemets as sm
from spinemets._cli_common import emit_table
from spinemets._display import (
    MISSING,
    column_units,
    format_interval,
    format_table,
    format_value,
    html_table,
)

# --------------------------------------------------------------------------- format_value


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "0%"), (1.0, "100%"), (0.0461, "4.61%"), (0.36, "36%"), (0.306, "30.6%"),
    (1e-9, "<0.001%"), (0.99999, ">99.999%"), (0.9996, "99.96%"), (0.00002, "0.002%"),
    (0.5, "50%"), (-0.02, "-2%"),
])
def test_fraction_is_percent_with_three_significant_digits(value, expected):
    assert format_value(value, "fraction") == expected


def test_fraction_never_shows_zero_padding_or_exponent():
    for v in np.geomspace(1e-12, 1, 60):
        text = format_value(float(v), "fraction")
        assert "e" not in text and "0.0000" not in text and text.endswith("%")


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "0"), (1.0, "1"), (0.8953, "0.895"), (0.9999, "> 0.999"), (1e-9, "< 0.001"),
    (0.5, "0.500"),
])
def test_probability_is_a_decimal(value, expected):
    assert format_value(value, "probability") == expected


def test_percent_rate_ratio_rank_and_numbers():
    assert format_value(4.61, "percent") == "4.61%"
    assert format_value(8.1e-5, "per_person_year", style="text") == "8.1 per 100,000 person-years"
    assert format_value(8.1e-5, "per_person_year") == "8.1/100k py"
    assert format_value(8.1, "per_100k") == "8.1/100k py"
    assert format_value(0.0, "per_person_year") == "0/100k py"
    assert format_value(1e-14, "per_person_year") == "<0.001/100k py"
    assert format_value(4.0, "ratio") == "4×"
    assert format_value(2.5, "ratio") == "2.5×"
    assert format_value(3, "rank") == "3" and format_value(2.5, "rank") == "2.5"
    assert format_value(0.0461) == "0.0461"
    assert format_value(1079.16) == "1,079"


@pytest.mark.parametrize(("value", "expected"), [
    (0, "0"), (1080, "1,080"), (1080.0, "1,080"), (1079.16, "1,079.2"), (4.309, "4.31"),
    (1.2e12, "1,200,000,000,000"), (0.797, "0.797"),
])
def test_counts_use_thousands_separators_never_exponents(value, expected):
    assert format_value(value, "count") == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
@pytest.mark.parametrize("unit", ["fraction", "probability", "count", "per_person_year",
                                  "ratio", "number"])
def test_missing_is_a_dash(missing, unit):
    assert format_value(missing, unit) == MISSING


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="digits must be a positive integer, got 0"):
        format_value(0.5, "fraction", digits=0)
    with pytest.raises(ValueError, match="style must be 'table' or 'text', got 'html'"):
        format_value(0.5, "fraction", style="html")
    with pytest.raises(TypeError, match="df must be a pandas DataFrame, got list"):
        sm.show([1, 2])


def test_interval_names_a_rate_unit_once():
    assert format_interval(0.27, 0.341) == "27% to 34.1%"
    assert format_interval(2e-4, 3e-4, "per_person_year") == "20 to 30 per 100,000 person-years"


# --------------------------------------------------------------------------- units


def test_age01_ratio_is_not_a_percent():
    ev = sm.evidence()
    units = column_units(ev)
    age = (ev["id"] == "AGE-01").to_numpy()
    assert units["value"][age].tolist() == ["ratio"]
    shown = format_table(ev[ev["id"] == "AGE-01"][["id", "unit", "value"]], width=80)
    assert "4×" in shown and "400%" not in shown
    # the stored value is untouched
    assert ev.loc[age, "value"].iloc[0] == 4.0


def test_rate_rows_of_the_evidence_are_per_100k_and_kind_is_a_fallback():
    ev = sm.evidence()
    rows = ev[ev["id"].isin(["CLIN-15", "AGE-01", "SEED-06"])]
    text = format_table(rows[["id", "kind", "value"]], width=80)  # no unit column
    assert "18.8/100k py" in text and "4×" in text and "30.6%" in text


def test_interval_columns_are_counts_in_estimate_results():
    result = sm.estimate(pd.DataFrame({"n": [1000]}), "spinal_mets_autopsy")
    units = column_units(result)
    assert units["mean"] == "count" and units["pi_upper"] == "count"
    assert units["confidence_level"] == "fraction"


def test_fraction_named_columns_holding_large_values_are_not_percent():
    df = pd.DataFrame({"how": ["sum"], "pi_lower": [53.0], "pi_upper": [88.0]})
    text = format_table(df, width=80)
    assert "5,300%" not in text and "53" in text


# --------------------------------------------------------------------------- sm.show


def test_show_renders_links_and_units():
    pytest.importorskip("jinja2")
    ev = sm.evidence()
    styler = sm.show(ev)
    page = styler.to_html()
    assert '<a href="https://doi.org/10.1007/BF00181116"' in page
    assert "400%" not in page and "4×" in page
    assert "/100k py" in page
    # the data are not changed
    assert styler.data["value"].equals(ev["value"])


def test_show_hides_row_numbers_but_keeps_a_named_index():
    pytest.importorskip("jinja2")
    ev = sm.evidence()
    plain = sm.show(ev.head(3)).to_html()
    assert "row_heading" not in plain
    named = sm.show(ev.head(3).set_index("id")).to_html()
    assert "SEED-03" in named and "row_heading" in named


def test_show_units_override_and_probability_columns():
    pytest.importorskip("jinja2")
    df = pd.DataFrame({"pooled mean": [0.335], "P(mean > 30%)": [0.8953]})
    page = sm.show(df, units={"pooled mean": "fraction"}).to_html()
    assert "33.5%" in page and "0.895" in page


def test_show_without_jinja2_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_jinja(name, *args, **kwargs):
        if name == "jinja2":
            raise ImportError("No module named 'jinja2'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jinja)
    with pytest.raises(ImportError, match=r"spinemets\[notebooks\]"):
        sm.show(sm.evidence().head(2))


def test_import_does_not_load_jinja2_or_matplotlib():
    import subprocess
    import sys

    code = ("import sys, spinemets; "
            "print(any(m.split('.')[0] in ('jinja2', 'matplotlib') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- CLI tables


def _widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("columns", [80, 100])
def test_cli_table_fits_the_terminal(monkeypatch, capsys, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    ev = sm.evidence()
    table = ev[["id", "estimand", "primary_site", "setting", "kind", "events", "total",
                "value", "low", "high", "verified", "citation"]]
    emit_table(table, "table", None)
    out = capsys.readouterr().out
    assert _widest(out) <= columns
    assert "SEED-06" in out and "30.6%" in out and "AGE-01" in out
    emit_table(sm.parameters(), "table", None)
    out = capsys.readouterr().out
    assert _widest(out) <= columns and "spinal_mets_autopsy" in out


def test_cli_text_table_cuts_long_text_with_an_ellipsis():
    df = pd.DataFrame({"id": ["A"], "notes": ["word " * 30], "value": [0.5]})
    text = format_table(df, width=80)
    assert _widest(text) <= 80 and "…" in text and "50%" in text


def test_record_layout_when_nothing_else_fits():
    df = pd.DataFrame({f"column_with_a_long_name_{i}": [0.1 * i] for i in range(12)})
    text = format_table(df, width=40)
    assert _widest(text) <= 40
    assert re.search(r"^column_with_a_long_name_3 +: 0\.3$", text, flags=re.MULTILINE)


def test_fraction_columns_argument_keeps_its_meaning():
    df = pd.DataFrame({"value": [0.5], "confidence_level": [0.95]})
    text = format_table(df, fraction_columns={"confidence_level"}, width=80)
    assert "95%" in text and "50%" not in text


# --------------------------------------------------------------------------- result objects


def test_imaging_plan_html_and_text_agree_on_percentages():
    plan = sm.plan_imaging(1_000_000, rng=1, n_sims=2000)
    p = plan.to_frame().set_index("stream").loc["emergency", "prob_exceed_slots"]
    shown = format_value(p, "fraction")
    assert re.fullmatch(r"\d+(\.\d+)?%", shown)
    assert shown in plan._repr_html_()
    assert shown in str(plan.summary())
    assert "e+" not in plan._repr_html_()
    total = plan.to_frame().set_index("stream").loc["total"]
    assert format_value(total["prob_exceed_slots"], "fraction") in repr(plan)
    assert format_value(total["scans_per_year"], "count") in plan._repr_html_()


def test_result_reprs_use_the_same_percent():
    pooled = sm.pool_proportions([300, 258, 120], [832, 842, 400])
    est = format_value(pooled.estimate, "fraction")
    assert est in repr(pooled) and est in pooled._repr_html_()
    p = sm.beta_from_counts(258, 842, label="autopsy")
    assert format_value(p.mean, "fraction") in repr(p) and format_value(
        p.mean, "fraction") in p._repr_html_()
    r = sm.Rate.gamma(229.5, 1e6)
    assert format_value(r.mean, "per_person_year", style="text") in repr(r)


def test_html_table_escapes_text():
    page = html_table(pd.DataFrame({"label": ["<b>x</b>"], "estimate": [math.nan]}))
    assert "&lt;b&gt;" in page and "<b>x</b>" not in page
