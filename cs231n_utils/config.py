"""Every environment variable the kit reads, and where its data lives.

Names are defined here once; other modules take configuration as arguments and use these
helpers only at the edges (a notebook reading ``CS231N_DATASET``, a grader building the
environment of the process it starts).

| variable | read by | meaning |
|---|---|---|
| ``CS231N_DATASET`` | ``load_dataset`` | ``cifar10`` (default), ``cifar10-subset`` or ``digits`` |
| ``CS231N_DATA_HOME`` | downloads and caches | the data folder (default: the checkout's ``datasets/``) |
| ``CS231N_CIFAR10_SUBSET`` | ``cifar10-subset`` | path of an ``.npz`` subset of CIFAR-10 |
| ``CS231N_SELFCHECK`` | the self-check panel | set in a self-check's kernel: the panel stays inert |
| ``CS231N_KIT_SOURCE`` | the notebooks' install cell | where a hosted notebook installs the kit from |
| ``CS231N_SANDBOX_DEBUG`` | the grader's sandbox | show the sandboxed process's stderr |
| ``CS231N_GRADESCOPE_ROOT`` | Gradescope's ``run_autograder`` | its root (default ``/autograder``) |
| ``CS231N_GRADESCOPE_PYTHON`` | Gradescope's ``run_autograder`` | the Python with the kit (setup.sh's) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DATASET = "CS231N_DATASET"
DATA_HOME = "CS231N_DATA_HOME"
CIFAR10_SUBSET = "CS231N_CIFAR10_SUBSET"
SELFCHECK = "CS231N_SELFCHECK"
KIT_SOURCE = "CS231N_KIT_SOURCE"
SANDBOX_DEBUG = "CS231N_SANDBOX_DEBUG"
GRADESCOPE_ROOT = "CS231N_GRADESCOPE_ROOT"
GRADESCOPE_PYTHON = "CS231N_GRADESCOPE_PYTHON"
#: The variables that choose a notebook's data, passed on to every process that runs one.
DATA_VARIABLES = (DATASET, DATA_HOME, CIFAR10_SUBSET)

_CACHE_FALLBACK = Path("~/.cache/linear-classifiers-kit")


def _checkout_datasets_dir() -> Path | None:
    """The ``datasets/`` folder of the repository checkout the package runs from, if any."""
    candidate = Path(__file__).resolve().parents[1] / "datasets"
    # Checking for our own script avoids mistaking e.g. site-packages/datasets (the Hugging
    # Face package) for the kit's data folder when the package is installed normally.
    if (candidate / "get_datasets.py").is_file():
        return candidate
    return None


def get_data_home(environ: Mapping[str, str] | None = None) -> Path:
    """Return the folder where downloaded data and caches are kept.

    Returns
    -------
    Path
        ``$CS231N_DATA_HOME`` if set; else the ``datasets/`` folder of the repository
        checkout when the package runs from one; else ``~/.cache/linear-classifiers-kit``.
        The folder is not created here.
    """
    environ = os.environ if environ is None else environ
    from_env = environ.get(DATA_HOME, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    checkout = _checkout_datasets_dir()
    if checkout is not None:
        return checkout
    return _CACHE_FALLBACK.expanduser()


def data_env(dataset: str | None = None, subset: str | Path | None = None,
             data_home: str | Path | None = None,
             environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The data variables for a process that runs a notebook.

    Each argument given overrides the value in ``environ`` (default ``os.environ``); the
    others are passed on as they are, and unset ones stay unset.
    """
    environ = os.environ if environ is None else environ
    env = {k: environ[k] for k in DATA_VARIABLES if environ.get(k, "").strip()}
    for key, value in ((DATASET, dataset), (CIFAR10_SUBSET, subset), (DATA_HOME, data_home)):
        if value is not None:
            env[key] = str(value)
    return env


def data_paths(env: Mapping[str, str]) -> list[Path]:
    """The folders and files a notebook run with ``env`` reads its data from (resolved, existing)."""
    paths = [get_data_home(env)]
    if env.get(CIFAR10_SUBSET, "").strip():
        paths.append(Path(env[CIFAR10_SUBSET]).expanduser())
    return [p.resolve() for p in paths if p.exists()]


#: Optional modules a library imports when installed that cost every process seconds and serve
#: the kit nothing: jsonschema (under nbformat) loads ``rfc3987_syntax``, which JupyterLab's extras
#: install, for its "iri" format checker, and that module compiles 38 Lark grammars at import
#: (2-5 s per process); nbformat's notebook schemas use no IRI format.
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> None:
    """Make :data:`SLOW_OPTIONAL_IMPORTS` unimportable in this process (the kit's own processes only:
    the grader's jobs and the ``cs231n-kit`` and nbgrader commands it runs)."""
    import sys

    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  (None: "import halted")

