"""A one-node SLURM cluster on this machine, for the cluster test (needs root).

    with SlurmCluster(workdir) as cluster:
        subprocess.run([...], env=cluster.env)

Installs slurm-wlm and munge with apt when they are missing, writes its slurm.conf to
/etc/slurm (job steps inside a batch job read only that path; a file already there is put
back afterwards), starts munged when none runs, then slurmctld and slurmd in the
foreground as child processes, and stops by pid exactly the daemons it started.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ("slurm-wlm", "munge")
DAEMONS = ("slurmctld", "slurmd", "munged", "sinfo", "sbatch")
CONF = Path("/etc/slurm/slurm.conf")


def _conf(root: Path, cpus: int, memory_mb: int) -> str:
    host = socket.gethostname()
    return f"""ClusterName=aimtest
SlurmctldHost={host}
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmUser=root
SlurmdUser=root
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
SlurmctldPort=6917
SlurmdPort=6918
ReturnToService=2
NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _memory_mb() -> int:
    total_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return int(total_kb / 1024 * 0.8)


class SlurmCluster:
    def __init__(self, root: Path, partition: str = "debug"):
        self.root = Path(root)
        self.partition = partition
        self.env = dict(os.environ)
        self._children: list[subprocess.Popen] = []
        self._saved_conf: str | None = None

    @staticmethod
    def install() -> None:
        if all(shutil.which(tool) for tool in DAEMONS):
            return
        subprocess.run(["apt-get", "install", "-y", *PACKAGES], check=True, capture_output=True)

    def _start(self, *cmd: str, user: str | None = None) -> None:
        log = open(self.root / f"{Path(cmd[0]).name}.out", "w")
        self._children.append(
            subprocess.Popen(cmd, env=self.env, stdout=log, stderr=log, user=user)
        )

    def _start_munge(self) -> None:
        if subprocess.run(["pgrep", "-x", "munged"], capture_output=True).returncode == 0:
            return
        key = Path("/etc/munge/munge.key")
        if not key.exists():
            subprocess.run(["mungekey", "-c", "-k", str(key)], check=True)
            shutil.chown(key, "munge", "munge")
        run = Path("/run/munge")
        run.mkdir(parents=True, exist_ok=True)
        shutil.chown(run, "munge", "munge")
        self._start("/usr/sbin/munged", "--foreground", user="munge")

    def _wait_idle(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = subprocess.run(
                ["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True
            ).stdout
            if "idle" in out:
                return
            time.sleep(1)
        raise RuntimeError(f"the SLURM node did not come up; see the logs in {self.root}")

    def __enter__(self) -> SlurmCluster:
        self.install()
        for sub in ("state", "spool"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if CONF.exists():
            self._saved_conf = CONF.read_text()
        CONF.parent.mkdir(parents=True, exist_ok=True)
        CONF.write_text(_conf(self.root, os.cpu_count(), _memory_mb()))
        self._start_munge()
        time.sleep(1)
        self._start("slurmctld", "-D")
        self._start("slurmd", "-D")
        self._wait_idle()
        return self

    def __exit__(self, *exc) -> None:
        for child in reversed(self._children):
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if self._saved_conf is None:
            CONF.unlink(missing_ok=True)
        else:
            CONF.write_text(self._saved_conf)
