"""Snakemake adapter: a copy of the config the run used (the named file with the schema's
defaults filled in), next to the results."""

from aim.core.io import write_yaml
from aim.core.jobs import log_to

log_to(snakemake.log[0])  # noqa: F821
write_yaml(snakemake.params.config, snakemake.output[0])  # noqa: F821
