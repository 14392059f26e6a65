import shutil

import pytest
from workflow_helpers import copy_workflow, snakemake


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The test config run for real in a copy of the workflow (so edits stay local)."""
    root = copy_workflow(tmp_path_factory.mktemp("pipeline"))
    snakemake("--configfile", "config/test.yaml", cwd=root)
    return root


@pytest.fixture
def finished_copy(tiny_run, tmp_path):
    """A copy of the finished tiny run (mtimes kept), for one edit."""
    root = tmp_path / "run"
    shutil.copytree(tiny_run, root, ignore=shutil.ignore_patterns("locks"))
    return root
