"""gdcore.first_epoch_above: the first epoch a series passes a mark, against a plain loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gdcore as g


def loop(values, threshold):
    for i, v in enumerate(values):
        if v > threshold:
            return i
    return None


@pytest.mark.parametrize(
    "values, threshold",
    [
        ([1.0, 2.0, 3.0], 2.5),
        ([1.0, 2.0, 3.0], 3.0),  # equal is not above
        ([5.0, 1.0], 2.0),
        ([], 0.0),
        ([1.0, math.nan, math.inf], 10.0),  # NaN never counts, inf does
    ],
)
def test_matches_a_loop(values, threshold):
    assert g.first_epoch_above(values, threshold) == loop(values, threshold)


def test_a_diverging_run_passes_a_million_when_its_loss_does():
    d = g.make_data()
    h = g.descend(d.x_train, d.y_train, *g.init_params(42), lr=1.1, epochs=200)
    epoch = g.first_epoch_above(h.train_loss, 1e6)
    assert epoch == loop(h.train_loss.tolist(), 1e6) and epoch is not None
    assert h.train_loss[epoch] > 1e6 >= h.train_loss[epoch - 1]
    assert isinstance(epoch, int)
    assert g.first_epoch_above(np.asarray(h.train_loss[:epoch]), 1e6) is None
