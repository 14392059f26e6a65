"""The shared core: spectra and denoising, Gaussian integrals, tokens, fixed points, batched
training, grids, the NetCDF writer, job plumbing and the plotting style. No wing is imported
here; every wing imports from here."""

from typing import NamedTuple


class Paper(NamedTuple):
    """A wing's paper: its id (the namespace of its config, rules, paths, figures and CLI)
    and its citation (the `references` attribute of every dataset it writes)."""

    id: str
    references: str
