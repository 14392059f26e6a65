"""The figure registry: every figure of every paper, by id (e.g. `bayes_hardmax`).

The config schema's figure list, `rule all`, the per-figure rules, the report captions and
the plot dispatch all derive from it. Adding a figure is one entry in its wing's
`figures.py`, a gather and a plot function, and a caption template.
"""

from __future__ import annotations

import importlib

from aim.core.figures import Figure

WINGS = ("bayes", "erm", "deep")


def _collect() -> dict[str, Figure]:
    registry: dict[str, Figure] = {}
    for wing in WINGS:
        for figure in importlib.import_module(f"aim.{wing}.figures").FIGURES:
            if figure.id in registry:
                raise ValueError(f"figure id {figure.id!r} registered twice")
            registry[figure.id] = figure
    return registry


REGISTRY: dict[str, Figure] = _collect()


def figures_of(papers) -> list[Figure]:
    """The registered figures of the given papers, in registry order."""
    return [f for f in REGISTRY.values() if f.paper in set(papers)]
