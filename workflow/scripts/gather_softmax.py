"""Snakemake adapter: gather the softmax curves into the figure's aggregate."""

import sys

from aim.aggregate import softmax_figure
from aim.io import read_dataset, write_dataset

sys.stderr = sys.stdout = open(snakemake.log[0], "w")  # noqa: F821

left = [read_dataset(path) for path in snakemake.input.left]  # noqa: F821
universal = [read_dataset(path) for path in snakemake.input.universal]  # noqa: F821
amp = [read_dataset(path) for path in snakemake.input.amp]  # noqa: F821
gd = [read_dataset(path) for path in snakemake.input.gd]  # noqa: F821
ds = softmax_figure(left, universal, snakemake.params.rho_universal, amp, gd)  # noqa: F821
print(f"collapse across T: max spread {ds.attrs['collapse_max_spread']:.2e}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
