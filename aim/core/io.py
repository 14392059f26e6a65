"""Results on disk: the one NetCDF writer (CF attributes, provenance, compression, atomic
write that follows the umask), the shared variable vocabulary, the YAML writer, strict YAML
reading of config files, and the values a caption may quote from a dataset."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

from aim import __version__
from aim.core import Paper

_PACKAGES = ("numpy", "scipy", "xarray", "netCDF4", "matplotlib", "snakemake", "torch")


def format_value(x: float) -> str:
    """The one spelling of a float in file names: shortest round-trip decimal, or 'inf'.

    float(format_value(x)) == x for every finite x and for inf.
    """
    x = float(x)
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return np.format_float_positional(x, trim="-")


def git_state(path: str | os.PathLike = ".") -> dict:
    """Commit and dirty flag of the checkout holding `path` (or 'unknown' outside git)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=path, capture_output=True, text=True, check=True, timeout=20
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def package_versions() -> dict[str, str]:
    versions = {"aim": __version__}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def annotate(
    ds: xr.Dataset,
    *,
    paper: Paper,
    title: str,
    parameters: dict,
    settings: dict | None = None,
) -> None:
    """Add the CF global attributes and the provenance (as JSON strings) in place."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    ds.attrs.update(
        Conventions="CF-1.10",
        title=f"[{paper.id}] {title}",
        source=f"aim {__version__}",
        history=f"{now} created by aim {__version__}",
        references=paper.references,
        paper=paper.id,
        provenance_git=json.dumps(git_state(Path(__file__).parent)),
        provenance_parameters=json.dumps(_jsonable(parameters), sort_keys=True),
        provenance_packages=json.dumps(package_versions(), sort_keys=True),
        provenance_solver=json.dumps(_jsonable(settings or {}), sort_keys=True),
    )


# The vocabulary shared by every wing; a wing adds its own entries.
COMMON_ATTRS = {
    "alpha": ("sample ratio n / d^2", "1"),
    "rho": ("width ratio r / d", "1"),
    "T": ("tokens per sequence", "1"),
    "d": ("token dimension", "1"),
    "n": ("samples", "1"),
    "seed": ("seed of the teacher, tokens and labels (numpy default_rng)", "1"),
    "converged": ("solver converged (1) or hit its iteration cap (0)", "1"),
    "iterations": ("iterations run", "1"),
}


def with_metadata(ds: xr.Dataset, table: dict[str, tuple[str, str]]) -> xr.Dataset:
    """Attach long_name and units to every variable named in COMMON_ATTRS | table."""
    table = COMMON_ATTRS | table
    for name in ds.variables:
        if name in table:
            ds[name].attrs.update(long_name=table[name][0], units=table[name][1])
    return ds


def _check_metadata(ds: xr.Dataset) -> None:
    for name, var in ds.variables.items():
        if "long_name" not in var.attrs or "units" not in var.attrs:
            raise ValueError(f"variable {name!r} needs long_name and units attributes")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomically(path: str | os.PathLike, write) -> Path:
    """write(tmp) into a temporary file in the same folder, then rename it to path.

    An interrupted write leaves no file at `path` (and removes its temporary file), so a
    partial result can never pass for one; a temporary file that a hard kill left behind is
    removed by the next write of the same result. The file's mode follows the umask.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a write killed with -9
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a result follows the umask
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_dataset(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ds to NetCDF atomically (compressed; every variable must carry metadata)."""
    _check_metadata(ds)
    encoding = {
        name: {"zlib": True, "complevel": 4}
        for name, var in ds.data_vars.items()
        if var.dtype.kind in "fiub"
    }
    return _write_atomically(
        path, lambda tmp: ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    )


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write text to path, atomically."""
    return _write_atomically(path, lambda tmp: Path(tmp).write_text(text))


def write_yaml(data: dict, path: str | os.PathLike) -> Path:
    """Write a mapping as YAML, atomically, keys in the order given."""
    return write_text(yaml.safe_dump(_jsonable(data), sort_keys=False), path)


def read_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open a dataset fully into memory (and close the file)."""
    with xr.open_dataset(path) as ds:
        return ds.load()


class _DuplicateKeyLoader(yaml.SafeLoader):
    """A YAML loader that records every key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                self.duplicates.append(
                    f"line {key_node.start_mark.line + 1}: key {key!r} given twice "
                    "(YAML would silently keep the last)"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def duplicate_yaml_keys(path: str | os.PathLike) -> list[str]:
    """Every key of a YAML file that appears twice in the same mapping."""
    loader = _DuplicateKeyLoader(Path(path).read_text())
    loader.duplicates = []
    try:
        loader.get_single_data()
    finally:
        loader.dispose()
    return loader.duplicates


def summary_values(path: str | os.PathLike) -> dict:
    """What a caption may quote from a dataset: its attributes, its scalar variables, and
    the largest value of each integer-valued variable (counts: seeds, draws; NaN where a
    point has none). Empty while the file does not exist yet."""
    if not Path(path).exists():
        return {}
    with xr.open_dataset(path) as ds:
        values = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in ds.attrs.items()}
        for name, var in ds.data_vars.items():
            if var.ndim == 0:
                values[name] = var.item()
            elif var.dtype.kind in "iuf" and var.size:
                finite = var.values[np.isfinite(var.values)]
                if finite.size and np.all(finite == np.round(finite)):
                    values[f"{name}_max"] = int(finite.max())
    return values


def parameters(ds: xr.Dataset) -> dict:
    """The job parameters a dataset was computed with."""
    return json.loads(ds.attrs["provenance_parameters"])


def solver_settings(ds: xr.Dataset) -> dict:
    """The solver settings a dataset was computed with."""
    return json.loads(ds.attrs.get("provenance_solver", "{}"))
