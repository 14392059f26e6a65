"""Snakemake adapter: draw one figure from its aggregate, with the figure's plot function
(named in the registry)."""

from aim.core.io import read_dataset
from aim.core.jobs import log_to, resolve
from aim.core.plotting import save_figure

log_to(snakemake.log[0])  # noqa: F821
fig = resolve(snakemake.params.plot)(read_dataset(snakemake.input.data))  # noqa: F821
save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
