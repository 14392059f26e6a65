"""Snakemake adapter: gather one figure's per-job datasets into its aggregate, with the
figure's gather function (named in the registry)."""

from aim.core.io import read_dataset, write_dataset
from aim.core.jobs import log_to, resolve

log_to(snakemake.log[0])  # noqa: F821
inputs = snakemake.input  # noqa: F821
datasets = {name: [read_dataset(path) for path in inputs[name]] for name in inputs.keys()}
print(", ".join(f"{name}: {len(group)} datasets" for name, group in datasets.items()))
p = snakemake.params  # noqa: F821
ds = resolve(p.gather)(**datasets, **p.options)
write_dataset(ds, snakemake.output[0])  # noqa: F821
