"""The wing's pipeline jobs as datasets: complete metadata, flags and provenance."""

import json

import numpy as np
import pytest

from aim.core.erm_training import ErmTask
from aim.core.io import write_dataset
from aim.erm.gd_runs import gd_dataset
from aim.erm.output import NODE_SEED
from aim.erm.state_evolution import ErmModel
from aim.erm.theory import PHASES, theory_curve


def test_a_lambda_to_zero_curve_across_the_threshold(tmp_path):
    ds = theory_curve(alpha=[0.1, 0.2], model=ErmModel(kappa0=0.5, noise=0.5, lam=0.0))
    write_dataset(ds, tmp_path / "curve.nc")  # refuses a variable without long_name/units
    assert [PHASES[p] for p in ds.phase.values] == ["interpolating", "finite"]
    assert ds.converged.values.tolist() == [1, 1]
    assert float(ds.alpha_interp) == pytest.approx(0.153482, abs=1e-6)  # erm-theory.md
    assert np.isinf(ds.sigma.values[0]) and ds.train_loss.values[0] == 0
    assert json.loads(ds.attrs["provenance_solver"])["sobol_seed"] == NODE_SEED


def test_a_batch_of_runs_over_two_lambdas(tmp_path):
    task = ErmTask(d=16, alpha=0.3, kappa0=0.5, noise=0.5)
    ds = gd_dataset(
        task=task, lam=[1e-3, 1e-2], runs=2, seed=4, settings={"max_steps": 300}, progress=False
    )
    write_dataset(ds, tmp_path / "gd.nc")
    assert ds.test_error.shape == (2, 2) and ds.eigenvalues.shape == (2, 2, 16)
    assert len(set(ds.data_seed.values)) == 2 and int(ds.seed) == 4
    assert (ds.diverged == 0).all() and (ds.steps > 0).all()
