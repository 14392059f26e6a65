"""Snakemake adapter: one ERM state-evolution curve (two continuations over its grid)."""

from tqdm import tqdm

from aim.core.io import write_dataset
from aim.core.jobs import log_to
from aim.erm.state_evolution import ErmModel
from aim.erm.theory import theory_curve

log_to(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
with tqdm(total=2 * len(p.alpha), desc="SE points", mininterval=10) as bar:
    ds = theory_curve(alpha=p.alpha, model=ErmModel(**p.model), progress=bar)
print(f"converged: {int(ds.converged.sum())}/{ds.converged.size}")
write_dataset(ds, snakemake.output[0])  # noqa: F821
