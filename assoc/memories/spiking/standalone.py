"""Brian2 ``cpp_standalone`` projects built once and run many times with run-time arguments.

Brian2's standalone device turns a network into a C++ program. Since Brian2 2.6 the program
accepts values on its command line (``device.run(run_args=...)``): initial values of state
variables and the values of ``TimedArray`` objects. A program whose code does not depend on
parameter values can therefore be compiled once and run for every sweep point.

This module owns the project cache and the run calls:

* :func:`project` returns a built :class:`Project` for a key, building it on first use in a
  fresh Python process (so the caller's Brian2 device stays untouched) under an exclusive
  file lock, into ``cache_dir() / <key>``. Concurrent workers wait for one build and reuse it.
* :meth:`Project.run` runs the compiled program once. Every call writes its inputs to, and
  reads its results from, a private temporary results directory, so calls from several
  threads or processes never share files.

Run-time arguments come in two phases, separated by ``--`` on the command line: phase 1 is
applied before the program creates its synapses (so synapse-creation code can read it, e.g.
a connectivity table held in a ``TimedArray``); phase 2 after the synapses exist (so
per-synapse values such as weights can be set). The program is written with
:func:`apply_phase` calls at those two points instead of Brian2's single
``device.apply_run_args()``.

The cache folder is ``$ASSOC_CACHE_DIR/brian2-standalone`` or
``~/.cache/assoc/brian2-standalone``; deleting it only costs a rebuild.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

#: compile flags of every standalone build (no -ffast-math: results stay IEEE-reproducible)
COMPILE_ARGS = ["-w", "-O3", "-march=native"]

_PHASE_CODE = {
    1: "{std::vector<std::string> _a; for (const auto& s : args) { if (s == \"--\") break; "
       "_a.push_back(s); } set_from_command_line(_a);}",
    2: "{std::vector<std::string> _a; bool _on = false; for (const auto& s : args) { if (_on) "
       "_a.push_back(s); if (s == \"--\") _on = true; } set_from_command_line(_a);}",
}


def cache_dir() -> Path:
    """Folder holding the built projects (created on demand)."""
    root = os.environ.get("ASSOC_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "assoc"
    return base / "brian2-standalone"


def compiler_available() -> bool:
    """Whether a C++ compiler for Brian2's standalone device is on the PATH."""
    return any(shutil.which(c) for c in ("g++", "c++", "clang++"))


def make_key(spec: dict) -> str:
    """Hash of everything that determines the generated code (``spec`` must be JSON-able)."""
    import brian2

    # the host is part of the key: -march=native binaries must not travel to another CPU
    blob = json.dumps({"spec": spec, "brian2": brian2.__version__, "flags": COMPILE_ARGS,
                       "python": sys.version_info[:2], "host": platform.node(),
                       "machine": platform.machine()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def apply_phase(phase: int) -> None:
    """Insert, at this point of the standalone program, the application of the command-line
    arguments of ``phase`` (1: before ``--``, 2: after). Call both, in order, while building."""
    import brian2 as b2

    b2.device.insert_code("main", _PHASE_CODE[phase])
    b2.get_device().run_args_applied = True  # Brian2 must not insert its own call


class Project:
    """A built standalone program: its folder and the manifest written by its builder.

    The manifest maps logical names to the program's run-time argument names
    (``manifest["args"]``: ``{"name", "dtype", "size"}``) and to its result files
    (``manifest["results"]``: ``{"file", "dtype"}``); builders add their own entries.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.manifest = json.loads((self.path / "manifest.json").read_text())
        self.binary = self.path / "main"

    def run(self, phase1: dict[str, Any], phase2: dict[str, Any], results: list[str]) -> dict[str, np.ndarray]:
        """Run the program once.

        ``phase1`` / ``phase2`` map logical argument names to a scalar or an array (of the size
        recorded in the manifest); ``results`` lists the logical result names to read back.
        Returns ``{name: array}``. The private results folder is deleted afterwards.
        """
        spec = self.manifest["args"]
        run_dir = Path(tempfile.mkdtemp(prefix="assoc-standalone-"))
        try:
            argv: list[str] = [str(self.binary), "--results_dir", str(run_dir) + os.sep]
            for phase, values in ((1, phase1), (2, phase2)):
                if phase == 2:
                    argv.append("--")
                for key, value in values.items():
                    a = spec[key]
                    arr = np.asarray(value, dtype=a["dtype"])
                    if arr.size == 0:  # nothing to set (e.g. a network without synapses)
                        continue
                    if arr.size == 1:  # a single value goes on the command line
                        if arr.dtype == np.bool_:
                            text = "1" if bool(arr.reshape(-1)[0]) else "0"
                        else:
                            text = repr(arr.reshape(-1)[0].item())
                        if text.startswith("inf") or text.startswith("nan"):
                            raise ValueError(f"run argument {key} must be finite, got {text}")
                        argv.append(f"{a['name']}={text}")
                        continue
                    if arr.size != a["size"] and a["size"] >= 0:
                        raise ValueError(f"run argument {key} needs {a['size']} values, got {arr.size}")
                    fname = run_dir / f"arg_{key}.dat"
                    np.ascontiguousarray(arr).tofile(fname)
                    argv.append(f"{a['name']}={fname}")
            proc = subprocess.run(argv, cwd=self.path, capture_output=True, text=True)
            if proc.returncode != 0 or "Error" in proc.stderr:
                raise RuntimeError(f"standalone program {self.path} failed ({proc.returncode}): "
                                   f"{proc.stderr.strip()[-2000:]}")
            out = {}
            for key in results:
                r = self.manifest["results"][key]
                out[key] = np.fromfile(run_dir / r["file"], dtype=r["dtype"])
            return out
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


def project(builder: str, spec: dict, *, quiet: bool = True) -> Project:
    """The built project for ``builder`` (``"module:function"``) and ``spec``; built if needed.

    ``function(directory, **spec)`` builds the standalone program into ``directory`` and
    returns its manifest (JSON-able dict). The build runs in a separate Python process under an
    exclusive lock on ``<key>.lock``; the finished folder appears atomically (rename), so a
    folder with a ``manifest.json`` is always complete.
    """
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    key = make_key({"builder": builder, **spec})
    path = root / key
    if (path / "manifest.json").exists():
        return Project(path)
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (path / "manifest.json").exists():
                _build(builder, spec, path, quiet=quiet)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return Project(path)


def _build(builder: str, spec: dict, path: Path, *, quiet: bool) -> None:
    if not compiler_available():
        raise RuntimeError("target='standalone' needs a C++ compiler (g++, c++ or clang++) on the PATH")
    tmp = path.with_name(f"{path.name}.build-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [sys.executable, "-m", "assoc.memories.spiking.standalone", builder, json.dumps(spec), str(tmp)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"building the standalone program failed:\n{proc.stderr[-4000:]}")
    manifest = json.loads((tmp / "manifest.json").read_text())
    manifest["build_s"] = time.perf_counter() - t0
    (tmp / "manifest.json").write_text(json.dumps(manifest))
    # results and object files of the build are not needed to run
    shutil.rmtree(tmp / "results", ignore_errors=True)
    if path.exists():
        shutil.rmtree(path)
    os.replace(tmp, path)


def _main(argv: list[str]) -> None:
    """Child process: ``python -m assoc.memories.spiking.standalone module:function SPEC_JSON DIR``."""
    import brian2 as b2

    builder, spec, directory = argv[0], json.loads(argv[1]), argv[2]
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.codegen.cpp.extra_compile_args_gcc = list(COMPILE_ARGS)
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    mod, fn = builder.split(":")
    manifest = getattr(importlib.import_module(mod), fn)(directory, **spec)
    Path(directory, "manifest.json").write_text(json.dumps(manifest))


def result_entry(var) -> dict:
    """Manifest entry of a Brian2 variable's result file (call while building)."""
    import brian2 as b2

    return {"file": b2.get_device().get_array_filename(var), "dtype": np.dtype(var.dtype).str}


def arg_entry(group_name: str, var, size: int) -> dict:
    """Manifest entry of a run-time argument for variable ``var`` of ``group_name``
    (``size`` -1: set at run time, any size matching the program's array)."""
    return {"name": f"{group_name}.{var.name}", "dtype": np.dtype(var.dtype).str, "size": int(size)}


if __name__ == "__main__":
    _main(sys.argv[1:])
