"""Write the README's table of named parameters from the catalogue.

The table between the markers ``<!-- parameters:begin -->`` and ``<!-- parameters:end -->``
in README.md is generated, never edited by hand: run ``python scripts/parameter_table.py``
after changing ``data/``; ``tests/test_readme.py`` fails when the two disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import spinemets as sm
from spinemets._display import format_interval, format_value

BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _source(row_id: str, evidence) -> str:
    """``ID (Author year, PMID n)`` for an evidence row; claims are named by id only."""
    if row_id not in evidence.index:
        return row_id
    row = evidence.loc[row_id]
    citation = str(row["citation"])
    # "Surname AB, ..." gives the first author; a citation that opens with a title gives none
    surname = re.match(r"^([A-Z][\w'-]*(?: [a-z]\w*)*(?: [A-Z][\w'-]*)?)\s+[A-Z]{1,3}[,.]",
                       citation)
    author = surname.group(1) if surname else ""
    # the publication year is the one before the volume (";"); else the last year given
    years = re.findall(r"\b((?:19|20)\d\d)\b(?=\s*;)", citation) or re.findall(
        r"\b((?:19|20)\d\d)\b", citation)
    year = years[0] if years else ""
    ident = (f"PMID {row['pmid']}" if str(row["pmid"]).strip() else
             f"doi {row['doi']}" if str(row["doi"]).strip() else "")
    what = ", ".join(x for x in (f"{author} {year}".strip(), ident) if x)
    return f"{row_id} ({what})" if what else row_id


def render() -> str:
    """The markdown table, one line per named parameter (id, site, horizon)."""
    params = sm.parameters()
    evidence = sm.evidence().set_index("id")
    lines = ["| parameter | site | horizon (years) | mean [95% interval] | evidence | encoding |",
             "|---|---|---|---|---|---|"]
    for _, p in params.iterrows():
        unit = "per_person_year" if p["kind"] == "rate" else "fraction"
        value = (f"{format_value(p['mean'], unit)} "
                 f"[{format_interval(p['ci_lower'], p['ci_upper'], unit)}]")
        sources = "; ".join(_source(s, evidence) for s in str(p["sources"]).split(";") if s)
        horizon = str(p["horizon_years"]) if str(p["horizon_years"]).strip() else "—"
        lines.append(f"| `{p['id']}` | {p['primary_site']} | {horizon} | {value} | {sources} "
                     f"| `{p['encoding_call']}` |")
    return "\n".join(lines)


def updated(text: str) -> str:
    """``text`` (the README) with the generated table between the markers."""
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + render() + "\n" + text[stop:]


if __name__ == "__main__":
    README.write_text(updated(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote the parameter table into {README}\n")
