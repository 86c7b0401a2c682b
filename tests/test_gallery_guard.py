"""The gallery's non-trivial-table guard judges the measurements, never the grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assoc.experiments import get_driver
from assoc.gallery import check_output, metric_columns


@pytest.fixture
def drawn(tmp_path):
    """A PNG that passes the image checks (a drawn curve with labels)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.linspace(0, 1, 200)
    for k in range(6):
        ax.plot(x, np.sin(6 * x + k), lw=3)
    ax.set_title("a drawn figure")
    path = tmp_path / "drawn.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _grid_table(metric):
    """Rows of the capacity driver over a (n, alpha) grid, its metrics set by ``metric(i)``."""
    drv = get_driver("capacity")
    rows = []
    for i, (n, alpha) in enumerate((n, a) for n in (100, 200) for a in (0.05, 0.1, 0.15)):
        row = {**drv.resolve({"family": "hopfield", "n": n, "alpha": alpha}), "point": i, "trial": 0}
        row.update({c: metric(i) for c in drv.columns})
        rows.append(row)
    return rows


def test_metric_columns_are_the_drivers_outputs_not_its_parameters():
    table = _grid_table(lambda i: float(i))
    cols = metric_columns(table, "capacity")
    assert set(cols) == set(get_driver("capacity").columns)
    assert not {"n", "alpha", "family", "point", "trial"} & set(cols)
    # a forgetting table's m_<age> family of columns counts as metrics
    assert metric_columns([{"n": 100, "m_000000": 1.0, "m_000003": 0.5, "point": 0}], "forgetting") == [
        "m_000000", "m_000003"]


def test_an_all_nan_measurement_over_a_varying_grid_fails_the_guard(drawn):
    nan_table = _grid_table(lambda i: math.nan)
    assert np.std([r["n"] for r in nan_table]) > 0  # the grid varies
    problems = check_output(drawn, nan_table, driver="capacity")
    assert problems == ["no metric column of the table varies: the measurement is trivial"]
    # one constant finite metric is trivial too; one varying metric is not
    assert check_output(drawn, _grid_table(lambda i: 0.5), driver="capacity") == problems
    assert check_output(drawn, _grid_table(lambda i: 0.1 * i), driver="capacity") == []
    single = _grid_table(lambda i: math.nan)[:1]
    assert check_output(drawn, single, driver="capacity") == ["the single run returned no finite metric"]
    assert check_output(drawn, nan_table, metrics=["n"]) == []  # parameters count only when named as metrics
