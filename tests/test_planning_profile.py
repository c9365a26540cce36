"""Arrival profiles: presets, CSV files, and the share of arrivals in a window."""

from __future__ import annotations

import numpy as np
import pytest

from spinemets._planning._profile import PRESETS, load_arrival_profile, window_share


def test_presets():
    assert load_arrival_profile(None) is None
    assert load_arrival_profile("uniform") is None
    p = load_arrival_profile("weekday-daytime")
    assert p.shape == (7, 24)
    assert p[:5, 8:18].min() == 1.0 and p.sum() == 50.0  # Mon-Fri 08-18 only
    p[0, 0] = 5.0  # a copy: the preset itself is unchanged
    assert PRESETS["weekday-daytime"][0, 0] == 0.0


def test_csv_with_labels_and_header(tmp_path):
    rng = np.random.default_rng(1)
    w = rng.random((7, 24))
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    lines = ["day," + ",".join(f"{h:02d}" for h in range(24))]
    lines += [d + "," + ",".join(repr(float(x)) for x in row)
              for d, row in zip(days, w, strict=True)]
    f = tmp_path / "profile.csv"
    f.write_text("\n".join(lines) + "\n")
    np.testing.assert_array_equal(load_arrival_profile(f), w)
    g = tmp_path / "bare.csv"
    g.write_text("\n".join(",".join(repr(float(x)) for x in row) for row in w))
    np.testing.assert_array_equal(load_arrival_profile(str(g)), w)


def test_csv_of_the_wrong_shape_names_the_file(tmp_path):
    f = tmp_path / "short.csv"
    f.write_text("\n".join(",".join(["1"] * 24) for _ in range(6)))
    with pytest.raises(ValueError, match=r"short\.csv.*7 x 24"):
        load_arrival_profile(f)
    g = tmp_path / "neg.csv"
    g.write_text("\n".join(",".join(["-1"] * 24) for _ in range(7)))
    with pytest.raises(ValueError, match="non-negative"):
        load_arrival_profile(g)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ValueError, match="uniform, weekday-daytime"):
        load_arrival_profile("friday-heavy")


def test_window_share_uniform_is_the_window_length():
    for start, end in [(0.0, 42.0), (8.0, 18.0), (162.0, 6.0), (100.25, 100.75)]:
        length = (end - start) % 168
        assert window_share(None, start, end) == pytest.approx(length / 168, abs=1e-14)
    assert window_share(None, 10.0, 10.0 + 168) == 1.0


@pytest.mark.parametrize(("start", "end"), [(0, 24), (30, 100), (160, 10), (72, 168)])
def test_window_share_sums_the_hours(start, end):
    """Whole-hour windows: the share is the sum of the hours' weights (wrapping Sunday)."""
    w = np.random.default_rng(5).random((7, 24))
    hours = [h % 168 for h in range(start, start + (end - start) % 168)]
    assert window_share(w, float(start), float(end)) == pytest.approx(
        w.ravel()[hours].sum() / w.sum(), rel=1e-12)


def test_window_share_splits_an_hour_evenly():
    w = np.zeros((7, 24))
    w[4, 17] = 1.0  # all arrivals on Friday 17:00-18:00
    friday_17 = 4 * 24 + 17
    assert window_share(w, friday_17 + 0.25, friday_17 + 0.75) == pytest.approx(0.5)
    assert window_share(w, friday_17 + 1.0, friday_17) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------ the command line

def _plan_json(args, capsys):
    import json

    from spinemets.cli import main

    code = main(["plan", "--population", "1000000", "--seed", "1", "--n-sims", "1000",
                 "--format", "json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_cli_arrival_profile_preset_and_file_agree(tmp_path, capsys):
    f = tmp_path / "daytime.csv"
    f.write_text("\n".join(",".join("1" if d < 5 and 8 <= h < 18 else "0" for h in range(24))
                           for d in range(7)))
    preset = _plan_json(["--arrival-profile", "weekday-daytime", "--table", "assumptions"],
                        capsys)
    from_file = _plan_json(["--arrival-profile", str(f), "--table", "assumptions"], capsys)
    uniform = _plan_json(["--table", "assumptions"], capsys)

    def value(rows):
        return next(r["value"] for r in rows if r["name"] == "arrival_profile")

    assert value(preset) == value(from_file) != value(uniform) == "uniform"
    assert "Sat 0" in value(preset)  # no weekend referrals in this profile


def test_cli_scenario_arrival_profile_is_relative_to_the_file(tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    w = np.ones((7, 24))
    w[4] = 10.0  # Friday-heavy
    (tmp_path / "sub" / "fri.csv").write_text(
        "\n".join(",".join(str(x) for x in row) for row in w))
    s = tmp_path / "sub" / "fri.toml"
    s.write_text('population = 1000000\narrival_profile = "fri.csv"\nseed = 1\nn_sims = 1000\n')
    from spinemets.cli import main

    assert main(["plan", "--scenario", str(s), "--table", "assumptions", "--format", "csv"]) \
        == 0
    out = capsys.readouterr().out
    assert "Fri 0.625" in out  # Friday 10 x 24 of 6 x 24 + 10 x 24 weights: 240/384


def test_cli_unknown_arrival_profile_is_a_usage_error(capsys):
    from spinemets.cli import main

    code = main(["plan", "--population", "1000000", "--arrival-profile", "fridays"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "--arrival-profile fridays" in err and "weekday-daytime" in err


# ------------------------------------------------------------------ the plan follows the profile

def test_sessions_follow_a_friday_heavy_profile():
    """Each session serves the arrivals since the previous one closed, weighted by the
    profile: the Friday session (Thu 18:00 - Fri 18:00) gets its hours' weights."""
    from spinemets._planning import plan_imaging

    w = np.ones((7, 24))
    w[4] = 5.0  # referrals five times as likely on Fridays
    uniform = plan_imaging(1_000_000, rng=1, n_sims=1000).sessions().set_index("session")
    friday = plan_imaging(1_000_000, arrival_profile=w, rng=1, n_sims=1000
                          ).sessions().set_index("session")
    week = plan_imaging(1_000_000, rng=1, n_sims=1000).mean_scans("emergency")
    # Thu 18-24 (6 hours of weight 1) and Fri 00-18 (18 hours of weight 5), of 6 x 24 + 120
    share = (6 * 1 + 18 * 5) / (6 * 24 + 24 * 5)
    fri = friday.loc["Fri 08:00-18:00"]
    assert fri["arrival_share"] == pytest.approx(share, rel=1e-12)
    assert fri["expected_emergencies"] == pytest.approx(week * share, rel=1e-12)
    assert uniform.loc["Fri 08:00-18:00", "arrival_share"] == pytest.approx(24 / 168)
    # Monday's session (Fri 18:00 - Mon 18:00) loses weight; Friday's needs more slots
    assert friday.loc["Mon 08:00-18:00", "arrival_share"] < \
        uniform.loc["Mon 08:00-18:00", "arrival_share"]
    assert fri["slots_needed"] > uniform.loc["Fri 08:00-18:00", "slots_needed"]
    assert friday["arrival_share"].sum() == pytest.approx(1.0)


def test_plan_accepts_a_preset_name_and_records_it():
    from spinemets._planning import plan_imaging

    plan = plan_imaging(1_000_000, arrival_profile="weekday-daytime", rng=1, n_sims=1000)
    row = plan.assumptions().set_index("name").loc["arrival_profile"]
    assert row["value"].startswith("weekday-daytime: ")
    # every referral made in opening hours on a weekday service waits at most to the next day
    assert plan.share_within_target("emergency") == 1.0
