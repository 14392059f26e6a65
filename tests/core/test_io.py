"""The NetCDF/YAML writer: atomic writes, metadata checks, caption values."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from aim.core.io import summary_values, write_dataset, write_yaml


def test_interrupted_write_leaves_no_result(tmp_path, monkeypatch):
    ds = xr.Dataset(
        {"mmse": ("alpha", np.ones(4), {"long_name": "e", "units": "1"})},
        coords={"alpha": ("alpha", np.arange(4.0), {"long_name": "a", "units": "1"})},
    )
    target = tmp_path / "out.nc"

    def crash(self, path, *args, **kwargs):
        Path(path).write_bytes(b"CDF\x01 partial")
        raise KeyboardInterrupt  # the job is killed mid-write

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(ds, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    write_dataset(ds, target)
    with xr.open_dataset(target) as back:
        np.testing.assert_array_equal(back.mmse, 1.0)


def test_writer_refuses_variables_without_metadata(tmp_path):
    with pytest.raises(ValueError, match="long_name"):
        write_dataset(xr.Dataset({"mmse": ("alpha", np.ones(2))}), tmp_path / "x.nc")


def test_yaml_is_written_atomically_in_the_given_order(tmp_path):
    data = {"figures": ["b", "a"], "bayes": {"rho": [0.5, float("inf")]}}
    path = write_yaml(data, tmp_path / "sub/config.yaml")
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]
    assert yaml.safe_load(path.read_text()) == {
        "figures": ["b", "a"],
        "bayes": {"rho": [0.5, "inf"]},
    }


def test_summary_values_quote_attributes_scalars_and_counts(tmp_path):
    assert summary_values(tmp_path / "missing.nc") == {}
    meta = {"long_name": "x", "units": "1"}
    ds = xr.Dataset(
        {
            "threshold": ((), 0.4034, meta),
            "seeds": (("point",), [2.0, np.nan, 4.0], meta),  # counts, NaN where none
            "mmse": (("point",), [0.1, 0.2, 0.3], meta),
        },
        coords={"point": ("point", [0, 1, 2], meta)},
        attrs={"amp_d": [30, 60], "variant": "exact"},
    )
    write_dataset(ds, tmp_path / "a.nc")
    values = summary_values(tmp_path / "a.nc")
    assert values["threshold"] == pytest.approx(0.4034)
    assert values["seeds_max"] == 4 and "mmse_max" not in values
    assert values["amp_d"] == [30, 60] and values["variant"] == "exact"


def _dataset():
    meta = {"long_name": "x", "units": "1"}
    return xr.Dataset(
        {"mmse": ("alpha", np.linspace(0, 1, 50_000), meta)},
        coords={"alpha": ("alpha", np.arange(50_000.0), meta)},
    )


def test_a_write_killed_with_sigkill_is_cleaned_by_the_next_write(tmp_path):
    """SIGKILL in the middle of to_netcdf leaves a temporary file (nothing can remove it
    then); the next write of the same result removes it and writes the whole dataset."""
    target = tmp_path / "curve.nc"
    code = f"""
import os, signal
from pathlib import Path
import xarray as xr
import test_io
from aim.core.io import write_dataset

def killed(self, path, *args, **kwargs):
    Path(path).write_bytes(b"CDF partial")
    os.kill(os.getpid(), signal.SIGKILL)

xr.Dataset.to_netcdf = killed
write_dataset(test_io._dataset(), {str(target)!r})
"""
    env_path = str(Path(__file__).parent)
    run = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": env_path}, cwd=tmp_path
    )
    assert run.returncode == -signal.SIGKILL
    assert not target.exists() and len(list(tmp_path.glob(".curve.nc.*.tmp"))) == 1
    write_dataset(_dataset(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.nc"]
    with xr.open_dataset(target) as back:
        xr.testing.assert_identical(back.mmse.reset_coords(drop=True), _dataset().mmse)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_results_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_dataset(_dataset(), tmp_path / "a.nc")
        write_yaml({"a": 1}, tmp_path / "a.yaml")
    finally:
        os.umask(old)
    for name in ("a.nc", "a.yaml"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode
