"""The ``spinemets plan`` subcommand: MRI capacity for a catchment, from flags or a TOML file.

Flags mirror :func:`spinemets.plan_imaging`; rates are given per 100,000 people a
year on the command line (per person-year in Python). A scenario file holds the same
settings as ``key = value`` lines (the flag names with underscores); flags given on the
command line override the file.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ._cli_common import (
    CLIUsageError,
    add_output_arguments,
    emit_summary,
    emit_table,
    one_line,
    out_dir_folder,
    write_csv,
)
from ._parameters import parameter
from ._planning import (
    ARGUMENTS,
    ARRIVAL_PRESETS,
    DEFAULT_BY_NAME,
    STREAMS,
    PlanningDefault,
    load_arrival_profile,
    plan_imaging,
)
from ._values import Proportion

__all__ = ["SCENARIO_KEYS", "flag_help", "load_scenario", "register", "run", "scenario_to_kwargs"]

_EPILOG = """\
examples:
  spinemets plan --population 1000000 --seed 1
  spinemets plan --population 1000000 --opening-hours "daily 08:00-18:00" \\
      --emergency-yield 50/96 --seed 1 --format csv
  spinemets plan --scenario scenarios/weekday-1m.toml --out-dir results/
  spinemets plan --population 1000000 --arrival-profile my-referrals.csv --table sessions

A yield is a fraction (0.4, fixed), counts POSITIVE/SCANNED (50/96 -> Beta(50.5, 46.5),
carrying its uncertainty) or a catalogue parameter (plan_yield_triaged, plan_yield_untriaged,
plan_urgent_yield).
Rates are per 100,000 people a year and get Gamma uncertainty
with --rate-cv. Every default and its source: --table assumptions.
"""

# Every setting flag and scenario key comes from the planning registry (DEFAULTS): its name,
# what it reads, its help and its default. Only the command line's own syntax is written here.
_REGISTRY = {d.flag: d for d in (DEFAULT_BY_NAME[name] for name in ARGUMENTS) if d.flag}
# how the command line reads each kind: a yield as a fraction, counts or a parameter
_SYNTAX = {"yield": ": fraction or POSITIVE/SCANNED", "streams": " (repeatable)"}


def _keys(*kinds: str) -> dict[str, str]:
    """Scenario key -> help (meaning and command-line syntax) of the flags of ``kinds``."""
    return {key: _meaning(d) + _SYNTAX.get(d.kind, "") for key, d in _REGISTRY.items()
            if d.kind in kinds}


def _meaning(d: PlanningDefault) -> str:
    """The registry's one line, in the command line's units (rates per 100,000 a year)."""
    text = d.help or d.name.replace("_", " ")
    return (text.replace("per person-year", "per 100,000 a year")
            if d.flag.endswith("_per_100k") else text)


_NUMBER_KEYS = _keys("number")
_INT_KEYS = _keys("int", "seed")
_YIELD_KEYS = _keys("yield")
_TEXT_KEYS = _keys("text", "profile")
_LIST_KEYS = _keys("streams")
_META_KEYS = {"name", "description"}
_OBSERVED_HELP = (_meaning(DEFAULT_BY_NAME["observed"])
                  + ": STREAM:REFERRALS:POSITIVES:YEARS, e.g. emergency:190:80:1 "
                  "(repeatable; in a scenario file an [observed.emergency] table with "
                  "referrals, positives, years)")


def flag_help() -> dict[str, str]:
    """Help text of every setting flag, with its default read from the planning registry.

    Examples
    --------
    >>> from spinemets._cli_plan import flag_help
    >>> from spinemets._planning import DEFAULT_BY_NAME
    >>> d = DEFAULT_BY_NAME["scan_minutes"]
    >>> flag_help()["scan_minutes"] == f"{d.help} (default {d.default_text()})"
    True
    """
    return {key: _help(key, text).replace("%%", "%") for keys in
            (_NUMBER_KEYS, _INT_KEYS, _YIELD_KEYS, _TEXT_KEYS, _LIST_KEYS)
            for key, text in keys.items()}


def _help(key: str, text: str) -> str:
    """``text`` with the default read from the planning registry (one source of truth)."""
    d = _REGISTRY[key]
    if not d.has_default:
        return text.replace("%", "%%")
    return f"{text} (default {d.default_text()})".replace("%", "%%")


#: Keys accepted in a scenario TOML file.
SCENARIO_KEYS: frozenset[str] = frozenset(
    {*_NUMBER_KEYS, *_INT_KEYS, *_YIELD_KEYS, *_TEXT_KEYS, *_LIST_KEYS, *_META_KEYS,
     "observed"}
)

#: The largest scenario file read, in bytes (a scenario is a few dozen lines).
MAX_SCENARIO_BYTES = 1_000_000


def register(subparsers: Any) -> None:
    """Add the ``plan`` subcommand to ``subparsers`` (from ``add_subparsers()``).

    Examples
    --------
    >>> import argparse
    >>> from spinemets import _cli_plan
    >>> p = argparse.ArgumentParser(prog="spinemets")
    >>> _cli_plan.register(p.add_subparsers())
    >>> p.parse_args(["plan", "--population", "1000000"]).population
    1000000.0
    """
    p = subparsers.add_parser(
        "plan", help="MRI capacity for suspected spinal metastases and MSCC in a catchment",
        description="Weekly MRI demand (emergency/MSCC, urgent, follow-up, total) for a "
                    "catchment, the slots a week needed at a service level, scanner-hours and "
                    "the share of emergencies the opening hours allow within 24 h.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--scenario", metavar="FILE.toml", default=None, action="append",
                   help="read settings from a TOML file (flags override it); repeat to "
                        "compare scenarios in one table with a 'scenario' column")
    for key, text in _NUMBER_KEYS.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, type=float, default=None,
                       metavar="X", help=_help(key, text))
    for key, text in _INT_KEYS.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, type=int, default=None,
                       metavar="N", help=_help(key, text))
    for key, text in _YIELD_KEYS.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, default=None, metavar="Y",
                       help=_help(key, text))
    for key, text in _TEXT_KEYS.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, default=None, metavar="TEXT",
                       help=_help(key, text))
    for key, text in _LIST_KEYS.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, action="append",
                       choices=STREAMS, default=None, help=_help(key, text))
    p.add_argument("--observed", dest="observed", action="append", default=None,
                   metavar="STREAM:REFERRALS:POSITIVES:YEARS", help=_OBSERVED_HELP)
    p.add_argument("--table", choices=("plan", "assumptions", "sessions", "checks", "summary",
                                       "by_year"),
                   default=None, help="what to print: the plan (default), every input with "
                   "its source, the emergency demand per opening session, the plausibility "
                   "checks, or the plain-language summary")
    p.add_argument("--out-dir", metavar="DIR", default=None,
                   help="write plan.csv, plan.json (sidecar: inputs, versions, seed), "
                        "assumptions.csv and sessions.csv to DIR instead of printing")
    add_output_arguments(p)
    p.set_defaults(func=run)


def _parse_yield(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"a", "b"}:
            try:
                if any(isinstance(value[k], (bool, str)) for k in ("a", "b")):
                    raise TypeError("a and b must be numbers, not text or true/false")
                return Proportion.beta(float(value["a"]), float(value["b"]), label=key)
            except (TypeError, ValueError) as exc:
                raise CLIUsageError(f"{key}: a Beta table needs numbers a > 0 and b > 0, got "
                                    f"{value!r} ({exc})") from None
        if set(value) == {"positive", "scanned"}:
            value = f"{value['positive']}/{value['scanned']}"
        else:
            raise CLIUsageError(
                f"{key}: a table must have keys a, b (Beta) or positive, scanned, got "
                f"{sorted(value)}"
            )
    if isinstance(value, bool):
        raise CLIUsageError(f"{key}: expected a fraction or POSITIVE/SCANNED, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.startswith("plan_yield_") or text == "plan_urgent_yield":  # catalogue parameters
        try:
            return parameter(text)
        except ValueError as exc:
            raise CLIUsageError(f"{key}: {exc}") from None
    m = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)
    if m:
        pos, n = int(m.group(1)), int(m.group(2))
        if n == 0 or pos > n:
            raise CLIUsageError(
                f"{key}: POSITIVE/SCANNED needs 0 <= positive <= scanned and scanned > 0, "
                f"got {text!r}"
            )
        return Proportion.beta(
            pos + 0.5, n - pos + 0.5, label=key, encoding=f"Jeffreys Beta from {pos}/{n}",
            assumption=f"{pos} positive of {n} scanned (local audit), Jeffreys prior",
        )
    try:
        return float(text)
    except ValueError:
        raise CLIUsageError(
            f"{key}: expected a fraction (0.4) or counts POSITIVE/SCANNED (50/96), got {text!r}"
        ) from None


def _parse_observed(value: Any) -> dict[str, dict[str, Any]]:
    """``{stream: {...}}`` from a scenario table, or from ``--observed`` texts."""
    if isinstance(value, dict):
        return {k: dict(v) for k, v in value.items()}
    out: dict[str, dict[str, Any]] = {}
    for text in value:
        parts = str(text).split(":")
        if parts[0] in out:
            raise CLIUsageError(f"--observed: stream {parts[0]!r} is given more than once "
                                f"(second: {text!r}); give each stream once")
        try:
            if len(parts) != 4:
                raise ValueError
            out[parts[0]] = {"referrals": int(parts[1]), "positives": int(parts[2]),
                             "years": float(parts[3])}
        except ValueError:
            raise CLIUsageError(
                f"--observed: expected STREAM:REFERRALS:POSITIVES:YEARS (e.g. emergency:190:80:1),"
                f" got {text!r}"
            ) from None
    return out


def load_scenario(path: str | Path) -> dict[str, Any]:
    """Read a scenario TOML file into a dict of settings (keys checked).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from spinemets._cli_plan import load_scenario
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = pathlib.Path(d) / "s.toml"
    ...     _ = f.write_text('population = 1000000\\nopening_hours = "daily 08-18"\\n')
    ...     load_scenario(f)["opening_hours"]
    'daily 08-18'
    """
    p = Path(path)
    if not p.is_file():
        raise CLIUsageError(f"--scenario: file {str(p)!r} does not exist")
    try:
        size = p.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise CLIUsageError(f"--scenario: {str(p)!r} has {size:,} bytes, more than a "
                                f"scenario file may hold ({MAX_SCENARIO_BYTES:,})")
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CLIUsageError(f"--scenario: {str(p)!r} is not valid UTF-8 TOML: {exc}") from None
    except OSError as exc:
        raise CLIUsageError(f"--scenario: cannot read {str(p)!r} ({exc.strerror or exc})") \
            from None
    unknown = sorted(set(data) - SCENARIO_KEYS)
    if unknown:
        raise CLIUsageError(
            f"--scenario: unknown key(s) {', '.join(unknown)} in {str(p)!r}; allowed: "
            f"{', '.join(sorted(SCENARIO_KEYS))}"
        )
    for key, value in data.items():
        ok = True
        if key in _NUMBER_KEYS:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif key in _INT_KEYS:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif key in _TEXT_KEYS or key in _META_KEYS:
            ok = isinstance(value, str)
        elif key in _LIST_KEYS:
            ok = isinstance(value, list) and all(v in STREAMS for v in value)
        elif key == "observed":
            ok = isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())
        if not ok:
            raise CLIUsageError(
                f"--scenario: {key} in {str(p)!r} has the wrong type or value: {value!r}"
            )
    if "name" in data:
        _check_name(data["name"], f"--scenario: name in {str(p)!r}")
    profile = data.get("arrival_profile")
    if profile is not None and profile not in ARRIVAL_PRESETS and not Path(profile).is_absolute():
        data["arrival_profile"] = str(p.parent / profile)  # relative to the scenario file
    return data


def _check_name(name: str, where: str) -> None:
    """A scenario name becomes a folder under ``--out-dir``: one plain folder name."""
    if (not name.strip() or name in (".", "..") or any(c in name for c in "/\\:")
            or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name)
            or name != name.strip()):
        raise CLIUsageError(f"{where} must be a plain folder name (no '/', '\\', ':' or "
                            "control characters, no leading or trailing spaces, not '.' or "
                            f"'..'), got {name!r}")


def scenario_to_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """Turn scenario/flag settings into keyword arguments of ``plan_imaging``.

    Examples
    --------
    >>> from spinemets._cli_plan import scenario_to_kwargs
    >>> kw = scenario_to_kwargs({"population": 1e6, "mscc_rate_per_100k": 8.1, "seed": 3})
    >>> round(kw["mscc_rate"] * 1e5, 6), kw["rng"]
    (8.1, 3)
    """
    kw: dict[str, Any] = {}
    for key, value in settings.items():
        if value is None or key in _META_KEYS:
            continue
        d = _REGISTRY[key]
        if key.endswith("_per_100k"):
            kw[d.name] = float(value) / 1e5
        elif d.kind == "yield":
            kw[d.name] = _parse_yield(value, key)
        elif d.kind == "streams":
            kw[d.name] = tuple(value)
        elif d.kind == "observed":
            kw[d.name] = _parse_observed(value)
        elif d.kind == "profile":
            kw[d.name] = load_arrival_profile(value)
        elif key == "population" and float(value).is_integer():
            kw[d.name] = int(value)
        else:
            kw[d.name] = value
    return kw


_DISPLAY = [
    "stream", "cases_per_year", "scans_per_year", "scans_per_week", "scans_per_week_pi_lower",
    "scans_per_week_pi_upper", "slots_per_week", "assurance_at_slots",
    "expected_share_of_weeks_over_slots", "scanner_hours_per_week", "share_within_target",
]
_FRACTIONS = {"service_level", "confidence_level", "prob_exceed_slots", "share_within_target",
              "assurance", "assurance_at_slots", "expected_share_of_weeks_over_slots",
              "mean", "ci_lower", "ci_upper"}


def run(args: argparse.Namespace) -> int:
    """Run ``spinemets plan``; bad input raises :class:`CLIUsageError` (exit status 2).

    Examples
    --------
    >>> from spinemets.cli import main
    >>> main(["plan", "--population", "1000000", "--seed", "1", "--n-sims", "1000",
    ...       "--table", "checks", "--format", "csv"])      # doctest: +ELLIPSIS
    check,status,detail
    ...
    0
    """
    files = args.scenario or [None]
    names: list[str] = []
    runs: list[dict[str, Any]] = []
    flags = {key for key in [*_NUMBER_KEYS, *_INT_KEYS, *_YIELD_KEYS, *_TEXT_KEYS, *_LIST_KEYS,
                             "observed"] if getattr(args, key, None) is not None}
    for f in files:
        settings: dict[str, Any] = {} if f is None else load_scenario(f)
        names.append("" if f is None else str(settings.get("name") or Path(f).stem))
        if f is not None:
            _check_name(names[-1], f"--scenario: the scenario name of {f!r}")
        for key in [*_NUMBER_KEYS, *_INT_KEYS, *_YIELD_KEYS, *_TEXT_KEYS, *_LIST_KEYS,
                    "observed"]:
            value = getattr(args, key, None)
            if value is not None:
                settings[key] = value
        runs.append(settings)
    if len(set(names)) < len(names):
        raise CLIUsageError(f"--scenario: scenario names must differ, got {names}")
    out_dir = None
    if args.out_dir is not None:
        out_dir = out_dir_folder(args.out_dir)
        if out_dir.is_dir() and any(out_dir.iterdir()) and not getattr(args, "force", False):
            raise CLIUsageError(f"--out-dir: {str(out_dir)!r} already holds files; pass --force "
                                "to overwrite them")
    plans = []
    for name, settings, f in zip(names, runs, files, strict=True):
        where = f"plan ({name})" if name else "plan"
        try:
            kwargs = scenario_to_kwargs(settings)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                plan = plan_imaging(**kwargs)
                plan.to_frame()
        except (ValueError, TypeError, OverflowError, ZeroDivisionError) as exc:
            blame = _blame(str(exc), settings, flags, args, f)
            raise CLIUsageError(f"{where}: {blame}{exc}") from None
        for w in caught:
            sys.stderr.write(f"spinemets {where}: warning: {one_line(w.message)}\n")
        plans.append(plan)
    if out_dir is not None:
        _write_plans(out_dir, names, plans)
        return 0
    if args.table == "summary":
        text = "\n\n".join((f"== scenario {n} ==\n" if n else "") + str(p.summary())
                           for n, p in zip(names, plans, strict=True))
        emit_summary(text, args.format, args.output)
        return 0
    tables = []
    for name, plan in zip(names, plans, strict=True):
        table = {
            "plan": plan.to_frame(),
            "assumptions": plan.assumptions(),
            "sessions": plan.sessions(),
            "checks": plan.checks(),
            "by_year": plan.by_year(),
        }[args.table]
        if args.table == "plan" and args.format == "table":
            table = table[_DISPLAY]
        if name:
            table.insert(0, "scenario", name)
        tables.append(table)
    fractions = (_FRACTIONS if args.table in ("plan", "sessions", "by_year") else set())
    emit_table(pd.concat(tables, ignore_index=True), args.format, args.output,
               fraction_columns=fractions)
    return 0


#: The keyword of ``plan_imaging`` a setting becomes, where it is not the setting's name.
_KEYWORDS = {key: d.name for key, d in _REGISTRY.items() if key != d.name}


def _blame(message: str, settings: dict[str, Any], flags: set[str],
           args: argparse.Namespace, scenario: str | None) -> str:
    """The settings, as the user gave them, that a planning error's ``message`` is about
    (``"--mscc-rate-per-100k -1.0: "``), or ``""`` when the message names none.

    The library names its own keywords and the converted values (``mscc_rate ... got
    -1e-05``, per person-year; ``from population=..., mscc_rate=...``); the prefix names the
    flags or scenario keys and the values typed.
    """
    named = []
    for key, value in settings.items():
        keyword = re.escape(_KEYWORDS.get(key, key))
        if re.match(rf"{keyword}\b", message) or re.search(rf"\b{keyword}=", message):
            if key in flags:
                given = getattr(args, key)
                shown = " ".join(map(str, given)) if isinstance(given, list) else given
                named.append(f"--{key.replace('_', '-')} {shown}")
            else:
                named.append(f"{key} = {value!r} in {scenario!r}")
    return ", ".join(named) + ": " if named else ""


def _write_plans(out_dir: Path, names: list[str], plans: list[Any]) -> None:
    """Write each plan's tables into ``out_dir`` (one sub-folder per scenario when there are
    several); a file that cannot be written is a usage error naming ``--out-dir``."""
    try:
        out_dir.mkdir(exist_ok=True)
        for name, plan in zip(names, plans, strict=True):
            folder = out_dir / name if len(plans) > 1 else out_dir
            folder.mkdir(exist_ok=True)
            csv_path, json_path = plan.to_csv(folder / "plan.csv")
            write_csv(plan.assumptions(), folder / "assumptions.csv", "--out-dir")
            write_csv(plan.sessions(), folder / "sessions.csv", "--out-dir")
            write_csv(plan.by_year(), folder / "by_year.csv", "--out-dir")
            sys.stderr.write(
                f"spinemets plan: wrote {csv_path}, {json_path}, assumptions.csv, sessions.csv "
                f"and by_year.csv (seed {plan.seed})\n"
            )
    except OSError as exc:
        raise CLIUsageError(f"--out-dir: cannot write into {str(out_dir)!r} "
                            f"({exc.strerror or exc})") from None
