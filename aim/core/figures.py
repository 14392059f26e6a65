"""What the pipeline needs to know of one figure: one entry of the figure registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A figure of one paper.

    inputs(section) names, from the paper's config section, the per-job datasets the figure
    needs, as named lists; options(section) are the keywords its gather takes besides them.
    `gather` and `plot` name functions as 'module:function' (imported only by the jobs
    that call them): gather(**{name: [datasets]}, **options) returns the aggregate,
    plot(aggregate) returns a matplotlib figure. Its caption template is
    workflow/report/<id>.rst.
    """

    id: str
    paper: str
    summary: str
    inputs: Callable[[dict], dict[str, list[str]]]
    options: Callable[[dict], dict]
    gather: str
    plot: str

    def __post_init__(self) -> None:
        if not self.id.startswith(f"{self.paper}_"):
            raise ValueError(f"figure id {self.id!r} must start with its paper's id")

    @property
    def aggregate(self) -> str:
        return f"results/{self.paper}/aggregated/{self.id}.nc"

    @property
    def images(self) -> dict[str, str]:
        return {ext: f"results/{self.paper}/figures/{self.id}.{ext}" for ext in ("pdf", "png")}

    @property
    def caption(self) -> str:
        """The caption template, relative to the repository root."""
        return f"workflow/report/{self.id}.rst"
