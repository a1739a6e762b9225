"""ui.results: the cached results agree with gdcore, and the caches stay within their memory bounds."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import gdcore
from ui import memo, results
from ui.settings import DataKey, Settings


@pytest.mark.parametrize("kind", ["original", "bad", "scaled"])
def test_curvature_summary_matches_gdcore(kind):
    c = results.curvature(DataKey(), kind)
    x = results.features(DataKey(), kind).x_train
    assert [c.lam_min, c.lam_max] == list(gdcore.hessian_eigenvalues(x))
    assert c.critical_lr == gdcore.critical_lr(x) and c.smooth == c.critical_lr / 2
    assert (c.limit_b, c.limit_w) == gdcore.axis_lr_limits(x)
    assert c.condition == gdcore.condition_number(x)
    for lr in (0.01, 0.1, 1.1):
        assert c.factor(lr) == gdcore.convergence_factor(x, lr)


def test_surface_snap_is_the_books_find_index():
    surface = results.surface(DataKey(), "original")
    snap = surface.snap(*gdcore.init_params(42))
    assert (snap.b, snap.w) == (0.52, -0.16000000000000003)
    assert snap.loss == pytest.approx(2.7113284116288243, rel=1e-12)
    np.testing.assert_array_equal(snap.along_w, surface.losses[:, snap.b_idx])
    np.testing.assert_array_equal(snap.along_b, surface.losses[snap.w_idx, :])


def test_data_set_at_a_million_points_fits_the_budget_with_its_three_features():
    key = Settings(seed=3, n=1_000_000).data_key
    held = memo.nbytes(results.dataset(key)) + sum(memo.nbytes(results.features(key, k)) for k in results.FEATURES)
    assert held <= results.DATA_CACHE.max_bytes
    assert results.DATA_CACHE.held_bytes <= results.DATA_CACHE.max_bytes


def test_per_setting_caches_hold_tens_of_mib_at_worst():
    """Worst-case entry size times the entry limit, for the caches whose entries grow with epochs or grid."""
    s = Settings(seed=5, n=1_000)
    history = results.history(s.data_key, "original", 0.5, -0.1, 0.1, 10_000, 0)
    surface = results.surface(s.data_key)
    for fn, value in ((results.history, history), (results.surface, surface)):
        entry = len(pickle.dumps(value))
        limit = fn._info.max_entries  # the entry limit given to st.cache_data
        assert entry * limit <= 32 * 2**20, f"{fn.__name__}: {entry} bytes × {limit} entries"
