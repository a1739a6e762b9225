"""The numbers the book prints (Chapter 0 of "Deep Learning with PyTorch
Step-by-Step", and the 1,000-epoch loop of Chapter 1), reproduced by gdcore:
the data and its split, steps 0-4, the loss surface and its cross-sections, the
learning-rate figures, the epoch table, the "bad" feature, scaling and curvature.

Tolerances and why:

* EXACT (``==``): everything that comes straight from the random stream or
  from the book's own formulas applied to the points: the split indices, the
  data points, the initial parameters, the MSE and gradients computed on the
  points (``gdcore.mse`` / ``gdcore.gradients`` do exactly what the notebook
  does), one update, and the grid axes values picked by snapping.
* ``rel=1e-12``: least-squares solutions (closed form vs scikit-learn's
  solver; they agree to a few ulps), the scaler, the minimum's loss.
* ``rel=1e-9``: anything read off a loss *grid* or computed by ``descend``:
  gdcore evaluates the MSE from sufficient statistics (centred moments),
  the book from an (80, 101, 101) array of predictions, so the last digits
  differ by rounding.
* half a unit of the last printed digit: values the book only prints
  rounded (Hessian eigenvalues, critical learning rate, the epoch table,
  figure annotations).
"""

from __future__ import annotations

import numpy as np
import pytest

import gdcore as g

# --------------------------------------------------------------------------
# Book constants: the start numpy's seed 42 gives, and scikit-learn's LinearRegression fit
# --------------------------------------------------------------------------
B0, W0 = 0.4967141530112327, -0.13826430117118466
B_STAR, W_STAR = 1.0235407546635162, 1.9689644704814506  # LinearRegression
LR = 0.1

TRAIN_IDX_HEAD = [76, 83, 80, 98, 2, 77, 71, 84, 89, 50]
VAL_IDX = [36, 5, 45, 99, 43, 16, 48, 94, 34, 3, 18, 47, 60, 68, 63, 27, 96, 29, 20, 97]


@pytest.fixture(scope="module")
def data() -> g.Dataset:
    return g.make_data()


@pytest.fixture(scope="module")
def bad() -> g.Dataset:
    return g.make_bad_feature_data()


@pytest.fixture(scope="module")
def grid() -> g.Grid:
    return g.book_grid("original")


@pytest.fixture(scope="module")
def losses(data, grid) -> np.ndarray:
    return g.loss_grid(data.x_train, data.y_train, grid.b_values, grid.w_values)


@pytest.fixture(scope="module")
def history(data) -> g.History:
    """Chapter 1's "Cell 1.2": 1,000 full-batch epochs with lr 0.1."""
    b, w = g.init_params()
    return g.descend(data.x_train, data.y_train, b, w, LR, 1000, x_val=data.x_val, y_val=data.y_val)


# --------------------------------------------------------------------------
# Data -- all exact: the same random stream as the book (seed 42: x, then the noise, then the split)
# --------------------------------------------------------------------------
class TestData:
    def test_sizes(self, data):
        assert data.n == 100
        assert data.x.shape == data.y.shape == (100,)
        assert data.x_train.shape == data.y_train.shape == (80,)
        assert data.x_val.shape == data.y_val.shape == (20,)
        assert g.split_sizes(100) == (80, 20)

    def test_train_idx_head(self, data):
        assert data.train_idx[:10].tolist() == TRAIN_IDX_HEAD

    def test_val_idx(self, data):
        assert data.val_idx.tolist() == VAL_IDX

    def test_split_is_a_partition(self, data):
        assert sorted(data.train_idx.tolist() + data.val_idx.tolist()) == list(range(100))

    def test_first_points(self, data):
        assert data.x_train[0] == 0.7712703466859457
        assert data.y_train[0] == 2.474538221214042
        assert data.x[0] == 0.3745401188473625
        assert data.y[0] == 1.757784944518542

    def test_train_moments(self, data):
        assert data.x_train.mean() == 0.4724589477734627
        assert data.x_train.std() == 0.3062249402850815  # population std (ddof=0)
        assert data.y_train.mean() == 1.9537956365905156
        assert data.x_train.sum() == 37.796715821877015
        assert data.y_train.sum() == 156.30365092724125

    @pytest.mark.parametrize(
        "part, lo, hi",
        [
            ("x_train", 0.005522, 0.986887),
            ("y_train", 0.998512, 3.051956),
            ("x_val", 0.046450, 0.965632),
            ("y_val", 1.133306, 2.893834),
        ],
    )
    def test_ranges(self, data, part, lo, hi):
        values = getattr(data, part)
        # printed with 6 decimals
        assert values.min() == pytest.approx(lo, abs=5e-7)
        assert values.max() == pytest.approx(hi, abs=5e-7)

    def test_generating_line(self, data):
        # y - (1 + 2x) is 0.1 * standard normal noise, drawn after the 100 x
        noise = np.random.RandomState(42)
        noise.rand(100, 1)
        eps = 0.1 * noise.randn(100)
        np.testing.assert_array_equal(data.y, 1.0 + 2.0 * data.x + eps)

    def test_arrays_are_read_only(self, data):
        with pytest.raises(ValueError):
            data.x[0] = 0.0
        with pytest.raises(ValueError):
            data.x_train[0] = 0.0


# --------------------------------------------------------------------------
# Steps 0-4 (initialise, predict, loss, gradients, update) -- exact
# --------------------------------------------------------------------------
class TestSteps:
    def test_init(self):
        assert g.init_params() == (B0, W0)
        assert g.init_params(42) == (0.4967141530112327, -0.13826430117118466)

    def test_prediction_and_error_of_first_point(self, data):
        # Figure 0.3: prediction 0.39007 (printed 5 decimals), error0 exact
        assert g.predict(B0, W0, data.x_train)[0] == pytest.approx(0.39007, abs=5e-6)
        assert g.errors(B0, W0, data.x_train, data.y_train)[0] == -2.084463223701399

    def test_initial_train_mse(self, data):
        assert g.mse(B0, W0, data.x_train, data.y_train) == 2.7421577700550976

    def test_initial_val_mse(self, data):
        assert g.mse(B0, W0, data.x_val, data.y_val) == 2.368035594255472

    def test_gradients(self, data):
        db, dw = g.gradients(B0, W0, data.x_train, data.y_train)
        assert db == -3.044811379650508
        assert dw == -1.8337537171510832

    def test_one_update(self, data):
        db, dw = g.gradients(B0, W0, data.x_train, data.y_train)
        b1, w1 = g.update(B0, W0, db, dw, LR)
        assert (b1, w1) == (0.8011952909762835, 0.04511107054392366)
        assert g.mse(b1, w1, data.x_train, data.y_train) == 1.634931811122577

    def test_closed_form_matches_linear_regression(self, data):
        b, w = g.closed_form(data.x_train, data.y_train)
        assert b == pytest.approx(B_STAR, rel=1e-12, abs=0)
        assert w == pytest.approx(W_STAR, rel=1e-12, abs=0)

    def test_loss_at_minimum(self, data):
        # At the book's LinearRegression parameters (computed on the points: exact)
        assert g.mse(B_STAR, W_STAR, data.x_train, data.y_train) == 0.00804465769549299
        assert g.mse(B_STAR, W_STAR, data.x_val, data.y_val) == 0.008658500113449862
        # At gdcore's own closed form (a few ulps away from sklearn's)
        b, w = g.closed_form(data.x_train, data.y_train)
        assert g.mse(b, w, data.x_train, data.y_train) == pytest.approx(0.00804465769549299, rel=1e-12)
        assert g.mse(b, w, data.x_val, data.y_val) == pytest.approx(0.008658500113449862, rel=1e-12)

    def test_gradient_vanishes_at_minimum(self, data):
        db, dw = g.gradients(B_STAR, W_STAR, data.x_train, data.y_train)
        assert abs(db) < 1e-14 and abs(dw) < 1e-14


# --------------------------------------------------------------------------
# Loss surface, snapping and cross-sections (Figs 0.4 - 0.8)
# --------------------------------------------------------------------------
class TestSurface:
    def test_grid_shape_and_orientation(self, data, losses, grid):
        assert losses.shape == (101, 101) == grid.shape
        # rows are w, columns are b: check two mirrored points against mse
        for iw, ib in [(14, 42), (42, 14)]:
            direct = g.mse(grid.b_values[ib], grid.w_values[iw], data.x_train, data.y_train)
            assert losses[iw, ib] == pytest.approx(direct, rel=1e-12)

    def test_grid_minimum(self, losses, grid):
        iw, ib = np.unravel_index(np.argmin(losses), losses.shape)
        assert (iw, ib) == (50, 50)
        assert grid.b_values[ib] == 1.0 and grid.w_values[iw] == 2.0
        assert losses.min() == pytest.approx(0.00821379520667412, rel=1e-9)

    def test_grid_maximum(self, losses, grid):
        iw, ib = np.unravel_index(np.argmax(losses), losses.shape)
        assert (iw, ib) == (0, 0)
        assert (grid.b_values[ib], grid.w_values[iw]) == (-2.0, -1.0)
        assert losses.max() == pytest.approx(20.426366151773927, rel=1e-9)

    def test_snapped_start(self, losses, grid):
        b_idx, b_snap = g.snap_to_grid(B0, grid.b_values)
        w_idx, w_snap = g.snap_to_grid(W0, grid.w_values)
        assert (b_idx, w_idx) == (42, 14)
        assert b_snap == 0.52  # exact: linspace value
        assert w_snap == -0.16000000000000003  # exact: linspace value
        assert losses[w_idx, b_idx] == pytest.approx(2.7113284116288243, rel=1e-9)

    def test_fig04_swapped_heights_quirk(self, losses, grid):
        # Figure 0.4's quirk: the book's code reads all_losses[b_idx, w_idx] (indices
        # swapped), so both the drawn (swapped) and the correct heights are checked.
        bi, _ = g.snap_to_grid(B_STAR, grid.b_values)
        wi, _ = g.snap_to_grid(W_STAR, grid.w_values)
        assert (bi, wi) == (50, 49)
        assert losses[wi, bi] == pytest.approx(0.009509049582237795, rel=1e-9)
        assert losses[bi, wi] == pytest.approx(0.012879124131904961, rel=1e-9)
        assert losses[42, 14] == pytest.approx(5.766123965773524, rel=1e-9)

    def test_fig05_vertical_cross_section(self, data, losses, grid):
        curve = g.cross_section_w(data.x_train, data.y_train, 0.52, grid.w_values)
        np.testing.assert_allclose(curve, losses[:, 42], rtol=1e-12)
        # printed with 4 decimals
        assert curve[0] == pytest.approx(4.4684, abs=5e-5)
        assert curve[-1] == pytest.approx(1.7317, abs=5e-5)
        assert grid.w_values[np.argmin(curve)] == pytest.approx(2.72, abs=1e-12)
        assert curve.min() == pytest.approx(0.0831, abs=5e-5)
        assert curve[14] == pytest.approx(2.7113284116288243, rel=1e-9)

    def test_fig06_horizontal_cross_section(self, data, losses, grid):
        curve = g.cross_section_b(data.x_train, data.y_train, grid.w_values[14], grid.b_values)
        np.testing.assert_allclose(curve, losses[14, :], rtol=1e-12)
        assert curve[0] == pytest.approx(16.67, abs=5e-3)
        assert curve[-1] == pytest.approx(4.316, abs=5e-4)
        assert grid.b_values[np.argmin(curve)] == pytest.approx(2.02, abs=1e-12)
        assert curve.min() == pytest.approx(0.4332, abs=5e-5)
        assert curve[42] == pytest.approx(2.7113284116288243, rel=1e-9)

    def test_fig08_finite_differences(self, data, losses, grid):
        x, y = data.x_train, data.y_train
        b_idx, b_before = g.snap_to_grid(B0, grid.b_values)
        w_idx, w_before = g.snap_to_grid(W0, grid.w_values)
        b_idx_after, b_after = g.snap_to_grid(B0 + 0.12, grid.b_values)
        w_idx_after, w_after = g.snap_to_grid(W0 + 0.12, grid.w_values)
        assert (b_idx_after, w_idx_after) == (44, 16)  # exactly two grid steps
        assert b_after == pytest.approx(0.64, abs=1e-12)
        assert w_after == pytest.approx(-0.04, abs=1e-12)
        # Loss values read from the grid
        assert losses[w_idx_after, b_idx] == pytest.approx(2.4968294181507176, rel=1e-9)
        assert losses[w_idx, b_idx_after] == pytest.approx(2.3634750352525997, rel=1e-9)

        slope_w, dw, dloss_w = g.finite_difference_slope(x, y, b_before, w_before, w_after - w_before, "w")
        slope_b, db, dloss_b = g.finite_difference_slope(x, y, b_before, w_before, b_after - b_before, "b")
        assert dw == pytest.approx(0.12, rel=1e-12)
        assert db == 0.11999999999999966  # exact: difference of two linspace values
        assert dloss_w == pytest.approx(-0.21449899347810675, rel=1e-9)
        assert dloss_b == pytest.approx(-0.3478533763762246, rel=1e-9)
        assert slope_w == pytest.approx(-1.7874916123175564, rel=1e-9)
        assert slope_b == pytest.approx(-2.8987781364685463, rel=1e-9)
        # the book compares them with the true gradients -1.83 and -3.04
        assert abs(slope_w) < 1.8337537171510832 and abs(slope_b) < 3.044811379650508


# --------------------------------------------------------------------------
# Learning-rate figures 0.10 - 0.12
# --------------------------------------------------------------------------
MANUAL_GRAD_B, MANUAL_GRAD_W = -2.90, -1.79
LR_TABLE = [
    # lr, snapped w_after, loss at w_after, snapped b_after, loss at b_after
    (0.2, 0.20, 2.0952194684020644, 1.12, 1.2600615297477007),
    (0.8, 1.28, 0.7398773084578883, 2.86, 1.1229875722924414),
    (1.1, 1.82, 0.33951010521235647, 3.70, 3.224013937658871),
]


@pytest.mark.parametrize("lr, w_after, loss_w, b_after, loss_b", LR_TABLE)
def test_learning_rate_table(data, losses, grid, lr, w_after, loss_w, b_after, loss_b):
    b_idx, b_before = g.snap_to_grid(B0, grid.b_values)
    w_idx, w_before = g.snap_to_grid(W0, grid.w_values)
    wi, w_snap = g.snap_to_grid(w_before - lr * MANUAL_GRAD_W, grid.w_values)
    bi, b_snap = g.snap_to_grid(b_before - lr * MANUAL_GRAD_B, grid.b_values)
    assert w_snap == pytest.approx(w_after, abs=1e-12)
    assert b_snap == pytest.approx(b_after, abs=1e-12)
    # w moves with b fixed (red curve), b moves with w fixed (black curve)
    assert losses[wi, b_idx] == pytest.approx(loss_w, rel=1e-9)
    assert losses[w_idx, bi] == pytest.approx(loss_b, rel=1e-9)
    assert g.cross_section_w(data.x_train, data.y_train, b_before, [w_snap])[0] == pytest.approx(loss_w, rel=1e-9)
    assert g.cross_section_b(data.x_train, data.y_train, w_before, [b_snap])[0] == pytest.approx(loss_b, rel=1e-9)
    loss_before = losses[w_idx, b_idx]
    # only the b step at lr 1.1 makes the loss go up
    assert (loss_b > loss_before) == (lr == 1.1)
    assert loss_w < loss_before


# --------------------------------------------------------------------------
# 1,000 epochs of batch gradient descent (Chapter 1, Cell 1.2)
# --------------------------------------------------------------------------
EPOCH_TABLE = [
    (0, 0.4967141530, -0.1382643012, 2.7421577701),
    (1, 0.8011952910, 0.0451110705, 1.6349318111),
    (2, 1.0274527343, 0.1880897999, 1.0068190845),
    (3, 1.1949483730, 0.3006244595, 0.6495106981),
    (4, 1.3183112825, 0.3901976578, 0.4452961386),
    (5, 1.4085376784, 0.4624352913, 0.3276590367),
    (9, 1.5755253247, 0.6483939612, 0.1767512819),
    (19, 1.5756630214, 0.8747668024, 0.1215531155),
    (49, 1.3768041614, 1.2777280979, 0.0535624235),
    (99, 1.1885663440, 1.6460573976, 0.0179777295),
    (199, 1.0595533095, 1.8984983766, 0.0085176879),
    (499, 1.0239150047, 1.9682321720, 0.0080447088),
    (999, 1.0235409399, 1.9689641081, 0.0080446577),
]


class TestDescent:
    def test_shape_and_flags(self, history):
        assert history.epochs_run == history.epochs_requested == 1000
        assert history.b.shape == history.w.shape == history.train_loss.shape == (1001,)
        assert history.val_loss.shape == (1001,)
        assert not history.diverged and history.diverged_at is None
        assert history.batch_size == 80 and history.updates_per_epoch == 1

    def test_final_parameters(self, history):
        b, w = history.final
        assert b == pytest.approx(1.02354093708, rel=1e-9)  # printed to 12 digits
        assert w == pytest.approx(1.9689641135454565, rel=1e-9)
        # both round to Figure 0.18's "b = 1.0235 w = 1.9690"
        assert f"b = {b:.4f} w = {w:.4f}" == "b = 1.0235 w = 1.9690"

    def test_final_loss(self, history):
        assert history.train_loss[-1] == pytest.approx(0.008044657695505126, rel=1e-9)

    def test_start_and_first_update(self, history):
        assert (history.b[0], history.w[0]) == (B0, W0)
        assert history.b[1] == pytest.approx(0.8011952909762835, rel=1e-12)
        assert history.w[1] == pytest.approx(0.04511107054392366, rel=1e-12)
        assert history.train_loss[0] == pytest.approx(2.7421577700550976, rel=1e-12)
        assert history.train_loss[1] == pytest.approx(1.634931811122577, rel=1e-12)
        assert history.val_loss[0] == pytest.approx(2.368035594255472, rel=1e-12)

    @pytest.mark.parametrize("epoch, b, w, loss", EPOCH_TABLE)
    def test_epoch_table(self, history, epoch, b, w, loss):
        # the table is printed with 10 decimals: half a unit is 5e-11
        assert history.b[epoch] == pytest.approx(b, abs=1e-10)
        assert history.w[epoch] == pytest.approx(w, abs=1e-10)
        assert history.train_loss[epoch] == pytest.approx(loss, abs=1e-10)

    def test_close_to_but_not_at_the_minimum(self, history):
        b, w = history.final
        assert 1e-8 < abs(b - B_STAR) < 1e-6
        assert 1e-8 < abs(w - W_STAR) < 1e-6


# --------------------------------------------------------------------------
# "Bad" feature and scaling (Figs 0.13 - 0.17)
# --------------------------------------------------------------------------
class TestBadFeature:
    def test_bad_x_is_ten_times_x_and_y_unchanged(self, data, bad):
        np.testing.assert_array_equal(bad.x, 10.0 * data.x)  # bit for bit
        np.testing.assert_array_equal(bad.y, data.y)
        np.testing.assert_array_equal(bad.train_idx, data.train_idx)
        np.testing.assert_array_equal(bad.val_idx, data.val_idx)
        assert bad.x_train.min() == pytest.approx(0.0552, abs=5e-5)
        assert bad.x_train.max() == pytest.approx(9.8689, abs=5e-5)

    def test_bad_minimum(self, bad):
        b, w = g.closed_form(bad.x_train, bad.y_train)
        assert b == pytest.approx(1.0235407546635167, rel=1e-12)
        assert w == pytest.approx(0.19689644704814496, rel=1e-12)

    def test_bad_cross_section_at_start(self, data, bad):
        G = g.book_grid("bad")
        b_idx, b_snap = g.snap_to_grid(B0, G.b_values)
        w_idx, w_snap = g.snap_to_grid(W0, G.w_values)
        assert (b_idx, w_idx) == (42, 44)
        assert b_snap == pytest.approx(0.52, abs=1e-12)
        assert w_snap == pytest.approx(-0.16, abs=1e-12)
        after_w = g.cross_section_w(bad.x_train, bad.y_train, b_snap, G.w_values)
        after_b = g.cross_section_b(bad.x_train, bad.y_train, w_snap, G.b_values)
        before_w = g.cross_section_w(data.x_train, data.y_train, b_snap, G.w_values)
        assert after_w[w_idx] == pytest.approx(5.9974053007627, rel=1e-12)
        assert after_b[b_idx] == pytest.approx(5.9974053007627, rel=1e-12)
        assert before_w[w_idx] == pytest.approx(2.7113284116288243, rel=1e-9)
        # Fig 0.15 minima of the "after" curves (printed 4 decimals)
        assert G.w_values[np.argmin(after_w)] == pytest.approx(0.26, abs=1e-12)
        assert after_w.min() == pytest.approx(0.0876, abs=5e-5)
        assert G.b_values[np.argmin(after_b)] == pytest.approx(2.68, abs=1e-12)
        assert after_b.min() == pytest.approx(1.2034, abs=5e-5)
        assert g.mse(0.52, -0.16, bad.x_train, bad.y_train) == pytest.approx(5.9974053007627, rel=1e-12)

    @pytest.mark.parametrize(
        "kind, feature, lo, hi",
        [
            ("bad", "original", 0.00821, 29.98),
            ("bad", "bad", 0.00821, 379.47),
            ("scaled", "original", 0.00831, 22.79),
            ("scaled", "bad", 0.01073, 510.80),
            ("scaled", "scaled", 0.00824, 18.31),
        ],
    )
    def test_surface_ranges(self, data, bad, kind, feature, lo, hi):
        x = {
            "original": data.x_train,
            "bad": bad.x_train,
            "scaled": g.standardize(data.x_train)[1],
        }[feature]
        G = g.book_grid(kind)
        L = g.loss_grid(x, data.y_train, G.b_values, G.w_values)
        assert L.min() == pytest.approx(lo, abs=5e-6)
        assert L.max() == pytest.approx(hi, abs=5e-3)


class TestScaling:
    def test_scaler(self, data):
        scaler, _, _ = g.standardize(data.x_train, data.x_val)
        assert scaler.mean == pytest.approx(0.4724589477734627, rel=1e-15)
        assert scaler.scale == pytest.approx(0.3062249402850815, rel=1e-15)
        assert scaler.var == pytest.approx(0.09377371405260174, rel=1e-14)

    def test_scaled_sets(self, data):
        _, xs, xv = g.standardize(data.x_train, data.x_val)
        assert xs.mean() == pytest.approx(0.0, abs=1e-15)
        assert xs.std() == pytest.approx(1.0, rel=1e-14)
        assert (xs.min(), xs.max()) == pytest.approx((-1.5248, 1.6799), abs=5e-5)
        assert xv.mean() == pytest.approx(-0.0372, abs=5e-5)
        assert xv.std() == pytest.approx(0.8188, abs=5e-5)
        assert (xv.min(), xv.max()) == pytest.approx((-1.3912, 1.6105), abs=5e-5)

    def test_scaled_minimum(self, data):
        scaler, xs, _ = g.standardize(data.x_train, data.x_val)
        b, w = g.closed_form(xs, data.y_train)
        assert b == pytest.approx(1.9537956365905156, rel=1e-12)
        assert w == pytest.approx(0.602946027396629, rel=1e-12)
        # intercept = mean(y_train); slope = w* sigma(x_train); back to original units
        assert b == pytest.approx(data.y_train.mean(), rel=1e-14)
        assert w == pytest.approx(W_STAR * 0.3062249402850815, rel=1e-12)
        assert scaler.params_to_original(b, w) == pytest.approx((B_STAR, W_STAR), rel=1e-12)


# --------------------------------------------------------------------------
# Curvature (derived values printed with 4 decimals)
# --------------------------------------------------------------------------
class TestCurvature:
    def test_hessian_eigenvalues(self, data, bad):
        xs = g.standardize(data.x_train)[1]
        np.testing.assert_allclose(g.hessian_eigenvalues(data.x_train), [0.1511, 2.4829], atol=5e-5)
        np.testing.assert_allclose(g.hessian_eigenvalues(bad.x_train), [0.5787, 64.8196], atol=5e-5)
        np.testing.assert_allclose(g.hessian_eigenvalues(xs), [2.0, 2.0], atol=1e-12)

    def test_critical_lr(self, data):
        lr = g.critical_lr(data.x_train)
        assert lr == pytest.approx(0.8055, abs=5e-5)
        assert lr == pytest.approx(2.0 / g.hessian_eigenvalues(data.x_train)[-1], rel=1e-15)
        # Fig 0.11's lr = 0.8 is just stable, Fig 0.12's lr = 1.1 is not
        assert 0.8 < lr < 1.1

    def test_axis_lr_limits(self, data):
        limit_b, limit_w = g.axis_lr_limits(data.x_train)
        assert limit_b == 1.0  # 2 / 2, exact
        assert limit_w == pytest.approx(3.155, abs=5e-4)  # printed with 3 decimals


# --------------------------------------------------------------------------
# The three book grids
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, b_range, w_range",
    [
        ("original", (-2.0, 4.0), (-1.0, 5.0)),
        ("bad", (-2.0, 4.0), (-2.8, 3.2)),
        ("scaled", (-1.0, 5.0), (-2.4, 3.6)),
    ],
)
def test_book_grids(kind, b_range, w_range):
    G = g.book_grid(kind)
    assert G.b_values.shape == G.w_values.shape == (101,)
    assert G.shape == (101, 101)
    assert (G.b_values[0], G.b_values[-1]) == pytest.approx(b_range, abs=1e-12)
    assert (G.w_values[0], G.w_values[-1]) == pytest.approx(w_range, abs=1e-12)
    np.testing.assert_allclose(np.diff(G.b_values), 0.06, rtol=1e-9)
    np.testing.assert_allclose(np.diff(G.w_values), 0.06, rtol=1e-9)


def test_book_grid_unknown_kind():
    with pytest.raises(ValueError, match="original"):
        g.book_grid("round")
