"""Snakemake adapter: draw one figure from its aggregate."""

import sys

from aim.io import read_dataset
from aim.plotting import PLOTTERS, save_figure

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

figure = snakemake.wildcards.figure  # noqa: F821
fig = PLOTTERS[figure](read_dataset(snakemake.input.data))  # noqa: F821
save_figure(fig, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
