"""Sweeps: TOML spec -> grid -> points -> executor -> driver -> SQLite store (resumable).

Spec (``sims/NAME.toml``)::

    name = "hopfield-capacity"
    description = "m vs alpha for several n"
    driver = "capacity"            # a driver of assoc.experiments
    model = "hopfield-hebbian"     # optional: models/NAME.toml (its family and [params] come first;
                                   # a grid axis `model = [...]` compares presets point by point)
    seed = 2024
    trials = 4
    [params]                        # fixed for every point (override the model's)
    dynamics = "async"
    [grid]                          # swept: a list, or {start, stop, num[, log]}
    n = [500, 1000, 2000]
    alpha = {start = 0.05, stop = 0.25, num = 21}
    [figure]                        # optional: assoc.figures.<kind>(table, **rest)
    kind = "capacity_curve"
    [quick]                         # optional: a reduced run (assoc run --quick)
    trials = 1
    [quick.grid]
    n = [500]

``assoc describe DRIVER`` lists a driver's parameters (defaults, allowed values, meaning), its
output columns and the figure kinds that draw it; ``assoc describe SPEC`` shows a spec.

Validation: :func:`load_spec` checks the whole spec before anything runs: its keys, the
driver, every parameter of every grid point, the ``[figure]`` kind and options, and that the
options naming table columns (``x``, ``by``, ...) name columns the driver writes.
:func:`run_spec` also checks its own arguments first, so a spec or option that fails leaves
nothing behind (no store, table, figure or lock file).

Seeds: trial ``t`` of point ``i`` runs with ``SeedSequence(seed, spawn_key=(i, t))``, so
results do not depend on the executor or the number of workers.

Store: one SQLite file per sweep (WAL mode), one row per (point, trial), keyed by a hash of
the resolved parameters, the seed, the point and trial and the package version. Every row is
committed as it arrives; re-running a sweep computes only the rows that are missing, so an
interrupted sweep resumes where it stopped, with nothing lost and nothing duplicated.

Executors: ``workers=1`` runs in this process; more workers use a local process pool;
``scheduler="tcp://host:8786"`` (or ``"local-dask"``) runs on a dask.distributed cluster
through ``Client.get_executor()``.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import csv
import hashlib
import itertools
import json
import multiprocessing
import os
import sqlite3
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from .experiments import get_driver
from .memory import check_int

SPEC_KEYS = ("name", "description", "driver", "model", "seed", "trials", "params", "grid", "figure", "gallery", "quick")
MODEL_KEYS = ("name", "family", "cite", "description", "params")


# --------------------------------------------------------------------------- data files


def data_dir(kind: str) -> Path:
    """Folder of bundled ``models`` or ``sims``: inside the wheel, or the source tree."""
    here = Path(__file__).resolve().parent
    for cand in (here / "_data" / kind, here.parent / kind):
        if cand.is_dir():
            return cand
    raise FileNotFoundError(f"no bundled {kind}/ folder found next to {here}")


def bundled(kind: str) -> dict[str, Path]:
    """``{name: path}`` of the bundled ``models`` or ``sims`` TOML files."""
    try:
        folder = data_dir(kind)
    except FileNotFoundError:
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


#: What a file of each bundled folder is called in messages.
_WORD = {"sims": "spec", "models": "model"}


def _find(kind: str, ref: str | os.PathLike) -> Path:
    from .params import suggest

    word = _WORD.get(kind, kind)
    path = Path(ref)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise FileNotFoundError(f"{word} file {str(path)!r} does not exist")
        return path
    known = bundled(kind)
    if str(ref) not in known:
        raise ValueError(f"unknown {word} {str(ref)!r}{suggest(str(ref), known)}; bundled: {sorted(known)} "
                         "(or give a path to a .toml file)")
    return known[str(ref)]


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None


def load_model(ref: str | os.PathLike) -> dict:
    """Read a model preset (``models/NAME.toml`` or a path); returns its table."""
    path = _find("models", ref)
    data = _read_toml(path)
    unknown = sorted(set(data) - set(MODEL_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in model {path}; allowed: {list(MODEL_KEYS)}")
    if not isinstance(data.get("params", {}), dict):
        raise ValueError(f"params in model {path} must be a table")
    from .registry import get_family

    try:
        get_family(data.get("family"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{exc} (the family key of model {path})") from None
    return data


def model_params(ref: str | os.PathLike, drv) -> dict:
    """A model preset's parameters for driver ``drv``: its ``[params]``, and its ``family``
    where the driver takes a ``family`` parameter."""
    data = load_model(ref)
    out = {"family": data["family"]} if "family" in drv.defaults else {}
    out.update(data.get("params", {}))
    return out


# --------------------------------------------------------------------------- spec


@dataclass
class Spec:
    """A parsed sweep spec; ``points()`` expands its grid."""

    name: str
    driver: str
    seed: int
    trials: int
    params: dict
    grid: dict[str, list]
    figure: dict = field(default_factory=dict)
    description: str = ""
    model: str | None = None
    path: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {k: getattr(self, k) for k in ("name", "driver", "seed", "trials", "params", "grid", "figure", "model")}
        )  # not sort_keys: the grid's key order defines the point order

    def iter_points(self) -> Iterator[dict]:
        """Resolved parameters of every grid point, in grid order (first key varies slowest)."""
        drv = get_driver(self.driver)
        keys = list(self.grid)
        for combo in itertools.product(*(self.grid[k] for k in keys)):
            point = dict(zip(keys, combo))
            model = point.pop("model", None)
            p = model_params(model, drv) if model is not None else {}
            p.update(self.params)
            p.update(point)
            try:
                out = drv.resolve(p)
            except (TypeError, ValueError) as exc:
                if model is None:
                    raise
                raise type(exc)(f"{exc} (at grid point model={model!r})") from None
            yield {"model": model, **out} if model is not None else out

    def points(self) -> list[dict]:
        """:meth:`iter_points` as a list."""
        return list(self.iter_points())

    def n_points(self) -> int:
        return int(np.prod([len(v) for v in self.grid.values()], dtype=np.int64)) if self.grid else 1

    def tasks(self) -> Iterator[tuple[str, int, int, dict]]:
        """``(row key, point, trial, params)`` of every run, generated lazily."""
        version = _version()
        for i, p in enumerate(self.iter_points()):
            for t in range(self.trials):
                yield row_key(p, self.seed, i, t, version), i, t, p

    def keys(self) -> set[str]:
        return {task[0] for task in self.tasks()}


def apply_quick(data: dict) -> dict:
    """The spec data with its ``[quick]`` overrides applied (unchanged if it has none).

    Plain keys of ``[quick]`` replace the spec's; ``[quick.params]``, ``[quick.grid]`` and
    ``[quick.figure]`` replace single entries of the spec's tables (a grid axis given there
    replaces that axis).
    """
    out = copy.deepcopy({k: v for k, v in data.items() if k != "quick"})
    quick = data.get("quick", {})
    if not isinstance(quick, dict):
        raise ValueError(f"quick in spec {data.get('name')!r} must be a table, got {quick!r}")
    unknown = sorted(set(quick) - set(SPEC_KEYS) | set(quick) & {"name", "quick", "gallery"})
    if unknown:
        from .params import check_known

        check_known(f"key(s) of [quick] in spec {data.get('name')!r}", unknown,
                    [k for k in SPEC_KEYS if k not in ("name", "quick", "gallery")])
    for key, value in quick.items():
        if key in ("params", "grid", "figure"):
            if not isinstance(value, dict):
                raise ValueError(f"quick.{key} in spec {data.get('name')!r} must be a table, got {value!r}")
            out.setdefault(key, {}).update(value)
        else:
            out[key] = value
    return out


def _expand_axis(name: str, value: Any) -> list:
    if isinstance(value, list):
        if not value:
            raise ValueError(f"grid.{name} must not be empty")
        return value
    if isinstance(value, dict):
        allowed = {"start", "stop", "num", "log", "integer"}
        unknown = sorted(set(value) - allowed)
        missing = sorted({"start", "stop", "num"} - set(value))
        if unknown or missing:
            raise ValueError(
                f"grid.{name} range needs keys start, stop, num (optional log, integer); "
                f"unknown {unknown}, missing {missing}"
            )
        num = check_int(f"grid.{name}.num", value["num"], low=1)
        start, stop = float(value["start"]), float(value["stop"])
        if value.get("log"):
            if start <= 0 or stop <= 0:
                raise ValueError(f"grid.{name} log range needs start, stop > 0, got {start}, {stop}")
            vals = np.geomspace(start, stop, num)
        else:
            vals = np.linspace(start, stop, num)
        if value.get("integer"):
            return sorted({int(round(v)) for v in vals})
        return [round(float(v), 12) for v in vals]
    raise ValueError(f"grid.{name} must be a list or a {{start, stop, num}} table, got {value!r}")


def read_spec(ref: str | os.PathLike | dict) -> tuple[dict, Path | None]:
    """The raw table of a spec (a bundled name, a TOML path or a dict) and its path."""
    if isinstance(ref, dict):
        return ref, None
    path = _find("sims", ref)
    return _read_toml(path), path


def load_spec(ref: str | os.PathLike | dict, *, quick: bool = False) -> Spec:
    """Parse and check a spec from a bundled name, a TOML path or an already-read dict.

    ``quick``: apply the spec's ``[quick]`` overrides (:func:`apply_quick`). Every check of
    the module notes runs here, so a spec that loads runs.
    """
    data, path = read_spec(ref)
    if not isinstance(data, dict):
        raise TypeError(f"a spec must be a table, got {type(data).__name__}")
    where = f"spec {path}" if path else "spec"
    unknown = sorted(set(data) - set(SPEC_KEYS))
    if unknown:
        from .params import check_known

        check_known(f"key(s) in {where}", unknown, SPEC_KEYS)
    if quick:
        data = apply_quick(data)
    for key in ("name", "driver"):
        if not isinstance(data.get(key), str):
            raise ValueError(f"{where} needs a string '{key}', got {data.get(key)!r}")
    for key in ("params", "grid", "figure"):
        if not isinstance(data.get(key, {}), dict):
            raise ValueError(f"{key} in {where} must be a table, got {data.get(key)!r}")
    params: dict = {}
    model = data.get("model")
    if model is not None:
        if "model" in data.get("grid", {}):
            raise ValueError(f"{where} gives both model and grid.model; give one")
        params.update(model_params(model, get_driver(data["driver"])))
    params.update(data.get("params", {}))
    grid = {k: _expand_axis(k, v) for k, v in data.get("grid", {}).items()}
    figure = dict(data.get("figure", {}))
    where_named = where if path else f"spec {data['name']!r}"
    if figure:
        from .figures._registry import check_figure_options

        try:
            check_figure_options(figure.get("kind"), {k: v for k, v in figure.items() if k != "kind"})
        except ValueError as exc:
            raise ValueError(f"{exc} (in {where_named})") from None
    spec = Spec(
        name=data["name"],
        driver=data["driver"],
        seed=check_int("seed", data.get("seed", 0), low=0),
        trials=check_int("trials", data.get("trials", 1), low=1),
        params=params,
        grid=grid,
        figure=figure,
        description=str(data.get("description", "")),
        model=model,
        path=str(path) if path else None,
    )
    columns: dict[str, None] = {"point": None, "trial": None}
    for point in spec.iter_points():  # validates the driver name and every parameter now
        columns.update(dict.fromkeys(point))
    if figure:
        _check_figure_columns(spec, list(columns), where_named)
    return spec


def output_columns(driver: str) -> tuple[str, ...]:
    """The metric columns a driver declares (``m_<age>`` stands for a family of columns)."""
    return get_driver(driver).columns


def _column_matches(name: str, columns: Iterable[str]) -> bool:
    for col in columns:
        if name == col or ("<" in col and name.startswith(col.split("<")[0]) and len(name) > col.index("<")):
            return True
    return False


def _check_figure_columns(spec: Spec, params: list[str], where: str) -> None:
    """The ``[figure]`` options that name table columns (``x``, ``by``, ...) name a parameter
    of the points or a metric the driver declares; ValueError with the nearest one otherwise."""
    from .figures._registry import column_options
    from .params import suggest

    metrics = output_columns(spec.driver)
    if not metrics:
        return  # the driver does not declare its columns: the figure finds out
    options = {k: v for k, v in spec.figure.items() if k != "kind"}
    known = list(params) + [c for c in metrics if c not in params]
    for option, column in column_options(spec.figure["kind"], options).items():
        if column in params or _column_matches(column, metrics):
            continue
        given = "" if option in options else " (its default)"
        raise ValueError(
            f"figure.{option} = {column!r}{given} is not a column of the table of driver {spec.driver!r}"
            f"{suggest(column, known)}; columns: {known} (in {where})"
        )


# --------------------------------------------------------------------------- store


def _version() -> str:
    from . import __version__

    return __version__


def row_key(params: dict, seed: int, point: int, trial: int, version: str) -> str:
    blob = json.dumps(
        {"params": params, "seed": seed, "point": point, "trial": trial, "version": version},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class Store:
    """One SQLite file per sweep: a ``meta`` table and one ``rows`` row per (point, trial)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, lock: bool = False):
        self.path = Path(path)
        self._lock = None
        if not create and not self.path.is_file():
            raise FileNotFoundError(f"store {str(self.path)!r} does not exist")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if lock:
            self._acquire_lock()
        try:
            self.db = sqlite3.connect(self.path, timeout=60)
            tables = {t for (t,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables - {"meta", "rows"}:
                raise sqlite3.DatabaseError(f"it holds foreign tables {sorted(tables - {'meta', 'rows'})}")
            (check,) = self.db.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS rows (key TEXT PRIMARY KEY, point INTEGER, trial INTEGER,"
                " params TEXT, metrics TEXT, version TEXT, backend TEXT, seed INTEGER,"
                " elapsed REAL, created REAL)"
            )
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            self._release_lock()
            raise ValueError(f"{self.path} is not a usable assoc store ({exc}); nothing was read from it") from None

    @property
    def lock_path(self) -> Path:
        return Path(str(self.path) + ".lock")

    def _acquire_lock(self) -> None:
        """One writer per store: a second sweep on the same store is refused, not interleaved.

        The lock is an ``flock`` on ``STORE.lock``, a file that exists while a sweep writes
        the store: it is removed when the store is closed, and the kernel drops the lock when
        the process dies, so a killed sweep never blocks the next one.
        """
        import fcntl

        while True:
            fh = open(self.lock_path, "a+")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise ValueError(
                    f"store {self.path} is being written by another sweep ({holder}); "
                    "wait for it to finish or use another --out folder"
                ) from None
            try:  # the holder before us may have removed the file after we opened it: lock the current one
                same = os.path.samestat(os.fstat(fh.fileno()), os.stat(self.lock_path))
            except FileNotFoundError:
                same = False
            if same:
                break
            fh.close()
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self._lock = fh

    def _release_lock(self) -> None:
        if self._lock is not None:
            try:  # removed while still held, so no other sweep can lock this file after us
                os.unlink(self.lock_path)
            except FileNotFoundError:
                pass
            self._lock.close()
            self._lock = None

    def close(self) -> None:
        self.db.close()
        self._release_lock()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def meta(self) -> dict:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def bind(self, spec: Spec) -> None:
        """Attach ``spec`` to the store; refuse a store written by another package version."""
        meta = self.meta()
        version = _version()
        if "version" in meta and meta["version"] != version:
            raise ValueError(
                f"store {self.path} was written by assoc {meta['version']}, this is assoc {version}; "
                "results of different versions are never mixed: use another --out folder or remove the store"
            )
        if "name" in meta and meta["name"] != spec.name:
            raise ValueError(f"store {self.path} belongs to sweep {meta['name']!r}, not {spec.name!r}")
        with self.db:
            for k, v in (("version", version), ("name", spec.name), ("spec", spec.to_json())):
                self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, v))

    def keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM rows")}

    def add(self, key: str, point: int, trial: int, params: dict, metrics: dict, seed: int, elapsed: float) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    point,
                    trial,
                    json.dumps(params, sort_keys=True, default=str),
                    json.dumps(metrics, sort_keys=True),
                    _version(),
                    str(params.get("backend", "")),
                    seed,
                    elapsed,
                    time.time(),
                ),
            )

    def iter_rows(self, keys: set[str] | None = None) -> Iterator[dict]:
        """Table rows (params + point + trial + metrics), ordered by point then trial."""
        cur = self.db.execute("SELECT key, point, trial, params, metrics FROM rows ORDER BY point, trial")
        try:
            for key, point, trial, params, metrics in cur:
                if keys is not None and key not in keys:
                    continue
                row = {"point": point, "trial": trial}
                row.update(json.loads(params))
                row.update(json.loads(metrics))
                yield row
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path} is damaged ({exc}); its rows cannot be read") from None

    def rows(self, keys: set[str] | None = None) -> list[dict]:
        return list(self.iter_rows(keys))


def load_table(store: str | os.PathLike) -> list[dict]:
    """The table of a store: the rows of its current spec (list of dicts)."""
    with Store(store, create=False) as st:
        meta = st.meta()
        if "spec" not in meta:
            raise ValueError(f"{store} holds no sweep (no spec in its meta table)")
        spec = load_spec(json.loads(meta["spec"]) | {"name": meta["name"]})
        return st.rows(spec.keys())


# --------------------------------------------------------------------------- execution


def _worker_init() -> None:
    """One thread per worker process, for Numba and for BLAS: parallelism is across tasks, and
    two workers each running a two-thread matrix product on two cores would wait on each other."""
    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(1)
    _worker_init.limits = threadpool_limits(1)  # kept alive for the life of the worker


def run_task(driver: str, params: dict, seed: int, point: int, trial: int) -> tuple[dict, float]:
    """Run one (point, trial): the function every executor calls."""
    t0 = time.perf_counter()
    run_params = {k: v for k, v in params.items() if k != "model"}  # the preset name labels the row only
    raw = get_driver(driver)(run_params, np.random.SeedSequence(seed, spawn_key=(point, trial)))
    metrics = {}
    for k, v in raw.items():
        if isinstance(v, np.generic):
            v = v.item()
        if not isinstance(v, (int, float, bool, str)):
            raise TypeError(f"driver {driver!r} returned {k}={v!r}; metrics must be plain numbers or strings")
        metrics[k] = v
    return metrics, time.perf_counter() - t0


class _InProcess(cf.Executor):
    """Runs each task at submission, in this process (workers=1)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future
            fut.set_exception(exc)
        return fut


def check_executor(workers: int | None = None, scheduler: str | None = None) -> None:
    """ValueError/TypeError for a worker count below 1 or a scheduler that is neither
    ``"local-dask"`` nor an address (checked before a sweep writes anything)."""
    if workers is not None:
        check_int("workers", workers, low=1)
    if scheduler is not None:
        if not isinstance(scheduler, str):
            raise TypeError(f"scheduler must be a string, got {scheduler!r}")
        if scheduler != "local-dask" and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise ValueError(f"scheduler must be 'local-dask' or an address like tcp://host:8786, got {scheduler!r}")


def make_executor(workers: int | None = None, scheduler: str | None = None):
    """Return ``(executor, closer)`` for the requested workers / scheduler."""
    check_executor(workers, scheduler)
    if scheduler is not None:
        from distributed import Client, LocalCluster

        if scheduler == "local-dask":
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)

            def close() -> None:
                client.close()
                cluster.close()
        else:
            if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
                raise ValueError(
                    f"scheduler must be 'local-dask' or an address like tcp://host:8786, got {scheduler!r}"
                )
            client = Client(scheduler)
            close = client.close
        return client.get_executor(pure=False), close
    workers = (os.cpu_count() or 1) if workers is None else check_int("workers", workers, low=1)
    if workers == 1:
        ex = _InProcess()
        return ex, ex.shutdown
    ctx = multiprocessing.get_context("spawn")
    ex = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    return ex, lambda: ex.shutdown(wait=True, cancel_futures=True)


@dataclass
class SweepResult:
    """What :func:`run_spec` did; ``table`` is read from the store on first use."""

    spec: Spec
    store: Path
    computed: int
    reused: int
    figure: Path | None = None
    csv: Path | None = None
    _table: list[dict] | None = None

    @property
    def table(self) -> list[dict]:
        if self._table is None:
            with Store(self.store, create=False) as st:
                self._table = st.rows(self.spec.keys())
        return self._table


def _progress(total: int, initial: int, quiet: bool, name: str):
    from tqdm import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, initial=initial, disable=disable, desc=name, unit="run", dynamic_ncols=True)


def run_spec(
    spec: str | os.PathLike | dict | Spec,
    *,
    out_dir: str | os.PathLike = "results",
    store: str | os.PathLike | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    figure: str | os.PathLike | bool = True,
    csv_path: str | os.PathLike | bool = True,
    trials: int | None = None,
    quick: bool = False,
) -> SweepResult:
    """Run (or resume) a sweep and write its store, table and figure.

    Parameters
    ----------
    spec : name of a bundled spec, path to a TOML file, dict, or :class:`Spec`
    out_dir : folder for ``NAME.sqlite``, ``NAME.csv`` and ``NAME.png``
    store : store path (overrides ``out_dir/NAME.sqlite``)
    workers : processes (default: all cores); 1 runs in this process
    scheduler : ``"local-dask"`` or a dask scheduler address
    quiet : no progress bar
    figure : True for ``out_dir/NAME.png``, a path, or False for none
    csv_path : True for ``out_dir/NAME.csv``, a path, or False for none
    trials : overrides the spec's number of trials
    quick : apply the spec's ``[quick]`` overrides (not for an already-loaded :class:`Spec`)

    Everything is checked before anything is written: the spec, ``workers``, ``scheduler``
    and ``trials``; the store's lock file is removed when the run ends.
    """
    if isinstance(spec, Spec):
        if quick:
            raise ValueError("quick applies to a spec name, path or table, not to a loaded Spec; "
                             "use load_spec(..., quick=True)")
    else:
        spec = load_spec(spec, quick=quick)
    check_executor(workers, scheduler)
    if trials is not None:
        spec.trials = check_int("trials", trials, low=1)
    out = Path(out_dir)
    store_path = Path(store) if store is not None else out / f"{spec.name}.sqlite"
    total = spec.n_points() * spec.trials
    with Store(store_path, lock=True) as st:
        st.bind(spec)
        done = st.keys()
        reused = sum(1 for task in spec.tasks() if task[0] in done)
        todo = (task for task in spec.tasks() if task[0] not in done)
        computed = _execute(st, spec, todo, reused, total, workers, scheduler, quiet) if reused < total else 0
        del done
        result = SweepResult(spec, store_path, computed=computed, reused=reused)
        if csv_path:
            path = out / f"{spec.name}.csv" if csv_path is True else Path(csv_path)
            keys = spec.keys()
            result.csv = write_csv(st.iter_rows(keys), path, columns=_columns(st.iter_rows(keys)))
    if figure and spec.figure:
        path = out / f"{spec.name}.png" if figure is True else Path(figure)
        result.figure = draw_figure(spec, result.table, path)
    return result


def _execute(st: Store, spec: Spec, todo: Iterator, reused: int, total: int, workers, scheduler, quiet) -> int:
    """Submit ``todo`` through a bounded window, storing each row as it completes."""
    executor, close = make_executor(workers, scheduler)
    computed = 0
    window = max(4, 4 * (workers or os.cpu_count() or 1))
    bar = _progress(total, reused, quiet, spec.name)
    pending: dict[cf.Future, tuple] = {}
    queue = iter(todo)
    try:
        while True:
            while len(pending) < window:
                task = next(queue, None)
                if task is None:
                    break
                key, i, t, p = task
                pending[executor.submit(run_task, spec.driver, p, spec.seed, i, t)] = task
            if not pending:
                break
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                key, i, t, p = pending.pop(fut)
                metrics, elapsed = fut.result()
                st.add(key, i, t, p, metrics, spec.seed, elapsed)
                computed += 1
                bar.update(1)
    finally:
        bar.close()
        for fut in pending:
            fut.cancel()
        close()
    return computed


# --------------------------------------------------------------------------- outputs


def _columns(table: Iterable[dict]) -> list[str]:
    cols: dict[str, None] = {}
    for row in table:
        for k in row:
            cols.setdefault(k, None)
    return list(cols)


def write_csv(table: Iterable[dict], path: str | os.PathLike, *, columns: list[str] | None = None) -> Path:
    """Write rows as CSV; give ``columns`` to stream an iterator in one pass."""
    if columns is None:
        table = list(table)
        columns = _columns(table)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(table)
    return path


def write_parquet(table: list[dict], path: str | os.PathLike) -> Path:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError("format 'parquet' needs pyarrow: pip install 'assoc[parquet]'") from None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = _columns(table)
    pq.write_table(pa.table({c: [row.get(c) for row in table] for c in cols}), path)
    return path


def draw_figure(spec: Spec, table: list[dict], path: str | os.PathLike) -> Path:
    """Draw the ``[figure]`` of ``spec`` from ``table`` into ``path``; ValueError for an empty table."""
    from .figures import get_figure

    if not table:
        raise ValueError(f"sweep {spec.name!r} has no rows to draw; run it first (assoc run)")
    kwargs = dict(spec.figure)
    kind = kwargs.pop("kind", None)
    try:
        make = get_figure(kind)
    except ValueError as exc:
        raise ValueError(f"{exc} (in spec {spec.name!r})") from None
    fig = make(table, **kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def store_spec(store: str | os.PathLike) -> Spec:
    """The spec recorded in a store (for ``assoc plot``)."""
    with Store(store, create=False) as st:
        meta = st.meta()
    if "spec" not in meta:
        raise ValueError(f"{store} holds no sweep (no spec in its meta table)")
    return load_spec(json.loads(meta["spec"]) | {"name": meta["name"]})
