"""Fixtures of the pipeline tests: a sandbox of their own, and tools in venvs of their own.

Meltano, target-jsonl and Dagster each get a virtual environment under a cache folder
(XERO_PIPELINES_CACHE, default /tmp/xero-singer-pipelines-<hash of this checkout>), created once
and reused by later sessions; Meltano's plugin venvs live there too (MELTANO_SYS_DIR_ROOT), while
its system database (state) is new for every session. Tests that need Meltano are marked
`meltano`, the Dagster one `dagster`: `pytest tests/pipelines -m "not meltano and not dagster"`
runs the rest alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from xero_sandbox.testing import SandboxProcess

REPO = Path(__file__).resolve().parents[2]
MELTANO_VERSION = "4.4.1"
TARGET_JSONL = "target-jsonl==0.1.4"
DAGSTER = "dagster==1.13.*"
# pytest imports this file as `conftest` and the tests import it as `tests.pipelines.conftest`:
# the timings live in one module object both see.
_SHARED = sys.modules.setdefault("xero_pipeline_timings", types.ModuleType("xero_pipeline_timings"))
TIMINGS: dict[str, float] = _SHARED.__dict__.setdefault("timings", {})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "meltano: runs real Meltano (installs it once, cached)")
    config.addinivalue_line("markers", "dagster: runs the Dagster recipe (installs it, cached)")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.write_line("pipelines timings: " + ", ".join(
            f"{k} {v:.1f}s" for k, v in TIMINGS.items()))


def cache_dir() -> Path:
    default = Path("/tmp") / ("xero-singer-pipelines-"
                              + hashlib.sha1(str(REPO).encode()).hexdigest()[:10])
    path = Path(os.environ.get("XERO_PIPELINES_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """An exclusive lock over one cached install (pytest -n workers share the cache)."""
    with open(cache_dir() / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tool_venv(name: str, requirement: str, probe: str) -> Path:
    """A venv under the cache with `requirement` installed; `probe` is a file it must have."""
    with cache_lock(name):
        return _tool_venv(name, requirement, probe)


def _tool_venv(name: str, requirement: str, probe: str) -> Path:
    venv = cache_dir() / name
    marker = venv / ".installed"
    if marker.exists() and marker.read_text() == requirement and (venv / probe).exists():
        return venv
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", requirement],
                   check=True, stdout=subprocess.DEVNULL)
    marker.write_text(requirement)
    TIMINGS[f"install {name}"] = time.perf_counter() - began
    return venv


def bin_of(name: str) -> str:
    """A console script of this project (next to the running Python)."""
    return str(Path(sys.executable).parent / name)


def run(cmd: str | list[str], *, env: dict[str, str] | None = None, cwd: Path | str = REPO,
        timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command (a string goes through bash -c); fail with its output if it fails."""
    args = ["bash", "-c", cmd] if isinstance(cmd, str) else cmd
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        pytest.fail(f"{args} exited {done.returncode}\nstdout:\n{done.stdout[-3000:]}\n"
                    f"stderr:\n{done.stderr[-6000:]}")
    return done


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxProcess]:
    """The pipeline tests' own sandbox (seed 42, as meltano.yml's `sandbox` environment)."""
    with SandboxProcess(size=30, orgs=2, limits=False) as running:
        yield running


@dataclass
class Meltano:
    """`meltano` of the cached venv, run in this repository with a per-session system db."""

    executable: Path
    sys_dir: Path
    database: Path
    sandbox: SandboxProcess
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **overrides: str) -> dict[str, str]:
        org0, org1 = (o["settings"] for o in self.sandbox.orgs[:2])
        env = dict(os.environ,
                   MELTANO_SYS_DIR_ROOT=str(self.sys_dir),
                   MELTANO_DATABASE_URI=f"sqlite:///{self.database}",
                   MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
                   MELTANO_DISABLE_TRACKING="true",
                   MELTANO_ENVIRONMENT="sandbox",
                   # The sandbox's port, written over the environment's 8787 by env vars.
                   TAP_XERO_API_URL=self.sandbox.url, TAP_XERO_IDENTITY_URL=self.sandbox.url,
                   TAP_XERO_CLIENT_ID=org0["client_id"],
                   TAP_XERO_CLIENT_SECRET=org0["client_secret"],
                   TARGET_XERO_API_URL=self.sandbox.url,
                   TARGET_XERO_IDENTITY_URL=self.sandbox.url,
                   TARGET_XERO_CLIENT_ID=org1["client_id"],
                   TARGET_XERO_CLIENT_SECRET=org1["client_secret"])
        env.pop("VIRTUAL_ENV", None)
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def __call__(self, *args: str, check: bool = True, **env: str
                 ) -> subprocess.CompletedProcess[str]:
        return run([str(self.executable), *args], env=self.env(**env), check=check)


@pytest.fixture(scope="session")
def meltano(sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> Meltano:
    """Meltano 4.4.1 with this project's plugins installed (`meltano install`, timed)."""
    venv = tool_venv("meltano-venv", f"meltano=={MELTANO_VERSION}", "bin/meltano")
    session = tmp_path_factory.mktemp("meltano")
    # One system dir per xdist worker: Meltano writes each plugin's run files (catalog,
    # config) to <sys dir>/run/<plugin>/, which concurrent runs of one plugin would share.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    tool = Meltano(venv / "bin" / "meltano", cache_dir() / f"meltano-sys-{worker}",
                   session / "meltano.db", sandbox)
    began = time.perf_counter()
    with cache_lock(f"meltano-sys-{worker}"):
        tool("install")
    TIMINGS["meltano install"] = time.perf_counter() - began
    return tool


@pytest.fixture(scope="session")
def target_jsonl() -> Path:
    """target-jsonl in a venv of its own (it pins old libraries)."""
    return tool_venv("target-jsonl-venv", TARGET_JSONL, "bin/target-jsonl") / "bin" / "target-jsonl"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(predicate: Any, timeout: float = 30.0) -> Any:
    """Poll `predicate` every 50 ms until it answers something true; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail("the condition was not met in time")
