"""A DataFrame that shows its references as links in Jupyter.

:func:`spinemets.evidence` and :func:`spinemets.parameters` return :class:`LinkedFrame`, an
ordinary :class:`pandas.DataFrame` (every pandas operation works and keeps the type) whose
HTML display turns DOIs, PMIDs and URLs into links and shows fraction columns as percent.
The data themselves stay fractions at full precision.
"""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["LinkedFrame", "reference_url"]

_PERCENT_COLUMNS = ("value", "low", "high", "mean", "ci_lower", "ci_upper")


def reference_url(doi: str = "", pmid: str = "", url: str = "") -> str:
    """The best link for a reference: DOI, else PubMed, else the URL given.

    Examples
    --------
    >>> from spinemets._frames import reference_url
    >>> reference_url(doi="10.1007/BF00181116", pmid="8567140")
    'https://doi.org/10.1007/BF00181116'
    >>> reference_url(pmid="8567140")
    'https://pubmed.ncbi.nlm.nih.gov/8567140/'
    """
    if doi:
        return f"https://doi.org/{doi}"
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return url


def _anchor(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}" target="_blank">{html.escape(text)}</a>'


class LinkedFrame(pd.DataFrame):
    """A :class:`pandas.DataFrame` whose notebook display links its references."""

    @property
    def _constructor(self):  # type: ignore[override]
        return LinkedFrame

    def _repr_html_(self) -> str:  # type: ignore[override]
        shown = pd.DataFrame(self).head(200).copy()
        for col in ("doi", "pmid", "url"):
            if col in shown.columns:
                shown[col] = [
                    _anchor(reference_url(**{col: str(v)}), str(v)) if str(v) else ""
                    for v in shown[col]
                ]
        if "references" in shown.columns:
            shown["references"] = [
                " ".join(_anchor(u, str(i + 1)) for i, u in enumerate(str(v).split(";")) if u)
                for v in shown["references"]
            ]
        is_rate = shown["unit"].eq("per_person_year") if "unit" in shown.columns else (
            shown["kind"].eq("rate") if "kind" in shown.columns else None)
        for col in _PERCENT_COLUMNS:
            if col in shown.columns and pd.api.types.is_numeric_dtype(shown[col]):
                shown[col] = [
                    "" if pd.isna(v) else (f"{v * 1e5:.4g}/100k" if is_rate is not None
                                           and is_rate.iloc[i] else f"{100 * v:.3g}%")
                    for i, v in enumerate(shown[col])
                ]
        for col in shown.columns:
            if shown[col].dtype == object and col not in ("doi", "pmid", "url", "references"):
                shown[col] = [html.escape(str(v)) if isinstance(v, str) else v
                              for v in shown[col]]
        note = "" if len(self) <= 200 else f"<p>first 200 of {len(self)} rows</p>"
        return shown.to_html(escape=False, index=False, na_rep="") + note
