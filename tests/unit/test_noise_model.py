"""The learned-noise edge search: its fast sums against explicit matrices, and what it finds."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from psen_processing.core.noise_model import (
    ModelParams,
    NoiseModel,
    brightness,
    edge_numerators,
    find_gls_edge,
    learn_noise_model,
    reference_ratio,
)

F64 = npt.NDArray[np.float64]


def _spectrum(n: int, rng: np.random.Generator) -> F64:
    """A bright hump with dim wings (the usable span is narrower than the profile)."""
    i = np.arange(n)
    return np.asarray(20_000.0 * np.exp(-0.5 * ((i - n * 0.5) / (n * 0.22)) ** 2) + 50.0)


def _shot(
    clean: F64, rng: np.random.Generator, edge: tuple[float, float, float] | None = None
) -> F64:
    """``clean`` with a ripple of 37 px whose phase and size change per shot, a new smooth
    tilt, and photon noise; ``edge`` = (position, width 10-90 %, relative depth), falling."""
    n = clean.size
    i = np.arange(n, dtype=np.float64)
    ripple = 1 + rng.uniform(0.01, 0.04) * np.sin(2 * np.pi * i / 37 + rng.uniform(0, 2 * np.pi))
    tilt = 1 + rng.normal(0, 0.02) * (i / n - 0.5)
    shape = clean * ripple * tilt * rng.uniform(0.7, 1.3)
    if edge is not None:
        position, width, depth = edge
        sigma = width / 2.5631
        step = 0.5 * (1 + np.vectorize(math.erf)((i - position) / (sigma * math.sqrt(2))))
        shape = shape * (1 - depth * step)
    return np.asarray(rng.poisson(shape), dtype=np.float64)


def _model_from(
    references: list[F64], params: ModelParams | None = None
) -> tuple[NoiseModel | None, F64]:
    params = params or ModelParams()
    mean = np.mean(references, axis=0)
    usable = mean > params.usable_fraction * mean.max()
    ratios = np.stack([reference_ratio(r, mean, usable) for r in references])
    return learn_noise_model(mean, ratios, params), mean


def _z_of(model: NoiseModel, mean: F64, shots: list[F64], sign: float) -> list[float]:
    """The best edge's z of each shot."""
    return [find_gls_edge(model, reference_ratio(s, mean, model.usable), sign).z for s in shots]


def _template(width: float, half: int, n: int, p: float) -> F64:
    """H_w(i - p), written out: the normal CDF of the 10-90 % width, cut at +-half and scaled
    so that it runs from 0 to 1 there."""
    sigma = max(width, 0.3) / (2 * math.sqrt(2) * 0.9061938024368232)

    def cdf(u: float) -> float:
        return 0.5 * (1 + math.erf(u / (sigma * math.sqrt(2))))

    low, high = cdf(-half - 0.5), cdf(half + 0.5)
    whole = math.floor(p)
    out = np.zeros(n)
    for i in range(n):
        e = i - whole  # the window moves by whole pixels, the step within it by the rest
        value = (cdf(e + 0.5 - (p - whole)) - low) / (high - low)
        out[i] = 0.0 if e < -half else 1.0 if e > half else min(1.0, max(0.0, value))
    return out


def _explicit_inverse(model: NoiseModel) -> F64:
    """``Sigma^-1`` written out: the model's covariance on its usable pixels, inverted directly
    (0 on the others)."""
    usable = model.usable
    sigma = (
        np.diag(1.0 / model.weight[usable])
        + model.basis[usable] @ model.prior @ model.basis[usable].T
    )
    n = usable.size
    inverse = np.zeros((n, n))
    inverse[np.ix_(usable, usable)] = np.linalg.inv(sigma)
    return inverse


@pytest.mark.parametrize("references", [12, 64])  # one variance per cosine; the full prior
def test_the_fast_sums_equal_the_explicit_generalised_least_squares(references: int) -> None:
    rng = np.random.default_rng(3)
    n = 160
    clean = _spectrum(n, rng)
    params = ModelParams(widths=(2.0, 7.0, 20.0), min_period=60.0, components=4)
    model, mean = _model_from([_shot(clean, rng) for _ in range(references)], params)
    assert model is not None
    usable = model.usable
    # Sigma on the usable pixels, inverted directly; Woodbury's form must equal it
    inverse = _explicit_inverse(model)
    woodbury = np.diag(model.weight) - model.weighted_basis @ model.core_inverse @ (
        model.weighted_basis.T
    )
    np.testing.assert_allclose(woodbury, inverse, rtol=1e-7, atol=1e-9 * np.abs(inverse).max())
    x = reference_ratio(_shot(clean, rng, (80.0, 7.0, 0.1)), mean, usable)
    numerators = edge_numerators(model, x)
    for row, width in enumerate(params.widths):
        for p in range(0, n, 7):
            t = _template(width, model.kernels.half, n, p)
            assert numerators[row, p] == pytest.approx(t @ inverse @ x, rel=1e-7, abs=1e-6)
            assert model.denominators[row, p] == pytest.approx(t @ inverse @ t, rel=1e-7)


@pytest.mark.parametrize("position", [300.0, 511.3, 700.0])
def test_an_edge_among_jittering_ripple_is_found_with_its_width(position: float) -> None:
    rng = np.random.default_rng(int(position))
    n = 1024
    clean = _spectrum(n, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    shot = _shot(clean, rng, (position, 10.0, 0.1))
    edge = find_gls_edge(model, reference_ratio(shot, mean, model.usable), sign=-1.0)
    assert edge.position == pytest.approx(position, abs=1.0)
    assert 5.0 <= edge.width <= 20.0
    assert edge.z > 10 and edge.runner_up_ratio > 1.5
    assert edge.amplitude == pytest.approx(math.log(1 - 0.1), rel=0.3)


def test_without_an_edge_nothing_stands_out() -> None:
    rng = np.random.default_rng(11)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    highest = _z_of(model, mean, [_shot(clean, rng) for _ in range(20)], -1.0)
    assert max(highest) < 6.0, highest


def test_a_rising_edge_is_found_with_the_other_sign_only() -> None:
    rng = np.random.default_rng(5)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    shot = _shot(clean, rng, (400.0, 5.0, -0.1))  # a negative depth: brighter after the edge
    ratio = reference_ratio(shot, mean, model.usable)
    rising = find_gls_edge(model, ratio, sign=1.0)
    assert rising.position == pytest.approx(400.0, abs=1.0)
    assert rising.amplitude == pytest.approx(math.log(1.1), rel=0.3)
    # the falling search sees only what the rising step leaves unexplained: not the step, and
    # less of it (a wide template elsewhere takes up part of the step's slow content, which
    # references with no smooth variation beyond the noise give no room to)
    falling = find_gls_edge(model, ratio, sign=-1.0)
    assert abs(falling.position - 400.0) > 10.0
    assert falling.z < 0.75 * rising.z
    # and at the rising edge itself a falling step has no significance at all
    row = model.kernels.widths.index(rising.width)
    at_edge = edge_numerators(model, ratio)[row, 398:403] * model.inverse_scale[row, 398:403]
    assert (-at_edge < 0).all()


def test_no_model_from_too_few_references_or_no_light() -> None:
    rng = np.random.default_rng(1)
    clean = _spectrum(256, rng)
    model, _ = _model_from([_shot(clean, rng) for _ in range(3)])
    assert model is None
    dark = np.zeros(256)
    assert learn_noise_model(dark, np.zeros((8, 256))) is None


@pytest.mark.parametrize(
    ("widths", "width"),
    [((3.0, 7.0), 5.0), ((2.0, 3.0), 2.5), ((14.0, 20.0), 17.0)],
    ids=["3-7 px", "2-3 px (explicit search)", "14-20 px (parabola)"],
)
def test_the_sub_pixel_position_maximises_the_explicit_signal_to_noise(
    widths: tuple[float, ...], width: float
) -> None:
    rng = np.random.default_rng(8)
    n = 160
    clean = _spectrum(n, rng)
    params = ModelParams(widths=widths, min_period=60.0, components=4)
    model, mean = _model_from([_shot(clean, rng) for _ in range(12)], params)
    assert model is not None
    usable = model.usable
    inverse = _explicit_inverse(model)
    for true_position in (70.3, 81.75, 90.5):
        x = reference_ratio(_shot(clean, rng, (true_position, width, 0.3)), mean, usable)
        edge = find_gls_edge(model, x, sign=-1.0)
        # brute force over explicit templates, 0.01 px apart, of the chosen width
        anchors = np.arange(edge.position - 1.0, edge.position + 1.0, 0.01) + 0.5
        z = [
            -(t @ inverse @ x) / math.sqrt(t @ inverse @ t)
            for t in (_template(edge.width, model.kernels.half, n, a) for a in anchors)
        ]
        best = float(anchors[int(np.argmax(z))]) - 0.5
        # the reported position is the edge's middle, not the log ratio's (see the next test)
        sigma = edge.width / 2.5631
        middle = sigma * math.sqrt(2 * math.pi) * (1 / (1 + math.exp(edge.amplitude / 2)) - 0.5)
        assert edge.position + middle == pytest.approx(best, abs=0.03)
        assert edge.z == pytest.approx(max(z), rel=0.02)


@pytest.mark.parametrize("depth", [0.05, 0.2, -0.2])
def test_a_wide_deep_edge_is_placed_at_its_middle_not_the_log_ratios(depth: float) -> None:
    # noise-free: the log of a 20 % deep step of 20 px crosses its middle 0.5 px off the edge's
    rng = np.random.default_rng(2)
    n = 1024
    clean = _spectrum(n, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    i = np.arange(n, dtype=np.float64)
    position, sigma = 500.3, 20.0 / 2.5631
    step = 0.5 * (1 + np.vectorize(math.erf)((i - position) / (sigma * math.sqrt(2))))
    ratio = reference_ratio(mean * (1 - depth * step), mean, model.usable)
    edge = find_gls_edge(model, ratio, sign=-1.0 if depth > 0 else 1.0)
    assert edge.width == 20.0
    assert edge.position == pytest.approx(position, abs=0.05)


def _poisson_shot(clean: F64, rng: np.random.Generator, scale: float = 1.0) -> F64:
    return np.asarray(rng.poisson(clean * scale), dtype=np.float64)


@pytest.mark.parametrize("ratios", [4, 6, 8, 12, 32])
def test_a_model_from_few_references_does_not_underestimate_the_noise(ratios: int) -> None:
    # photon noise only: whatever the number of references, an edgeless shot stays unremarkable
    rng = np.random.default_rng(ratios)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_poisson_shot(clean, rng) for _ in range(ratios)])
    assert model is not None
    highest = _z_of(model, mean, [_poisson_shot(clean, rng) for _ in range(10)], 1.0)
    assert max(highest) < 6.0, highest


def test_a_dim_shot_is_not_more_significant_than_it_is() -> None:
    rng = np.random.default_rng(4)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_poisson_shot(clean, rng) for _ in range(64)])
    assert model is not None
    for _ in range(10):
        shot = _poisson_shot(clean, rng, scale=0.05)
        shot_brightness = brightness(shot, mean, model.usable)
        assert shot_brightness == pytest.approx(0.05, rel=0.1)
        ratio = reference_ratio(shot, mean, model.usable)
        assert find_gls_edge(model, ratio, -1.0, shot_brightness).z < 6.0


def test_values_that_are_not_finite_cost_nothing_else() -> None:
    rng = np.random.default_rng(6)
    clean = _spectrum(512, rng)
    references = [_shot(clean, rng) for _ in range(20)]
    mean = np.mean(references, axis=0)
    usable = mean > 0.03 * mean.max()
    rows = np.stack([reference_ratio(r, mean, usable) for r in references])
    rows[3, 100] = np.nan  # a row that is not finite is left out
    model = learn_noise_model(mean, rows)
    assert model is not None and model.references_used == 19
    shot = _shot(clean, rng, (250.0, 5.0, 0.2))
    shot[40], shot[41] = np.nan, np.inf
    edge = find_gls_edge(model, reference_ratio(shot, mean, model.usable), -1.0)
    assert edge.position == pytest.approx(250.0, abs=1.0)
    assert learn_noise_model(np.full(512, np.nan), rows) is None
    same = np.stack([reference_ratio(references[0], references[0], usable)] * 8)
    assert learn_noise_model(references[0], same) is None  # identical references: no noise


@pytest.mark.parametrize("factor", [0.0, 1.5, 3.0])
def test_one_dead_or_hot_pixel_in_a_shot_is_no_edge(factor: float) -> None:
    rng = np.random.default_rng(9)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    shot = _shot(clean, rng)
    shot[600] *= factor  # dead (0), or hot by +50 % or x3, in this shot only
    for sign in (-1.0, 1.0):
        edge = find_gls_edge(model, reference_ratio(shot, mean, model.usable), sign)
        assert edge.z < 6.0, edge


def test_a_near_dark_shot_s_read_noise_in_the_wings_is_no_edge() -> None:
    """Where read noise dominates (the dim wings), a shot at 5 % of the references' light is
    20 times as noisy in the ratio, not sqrt(20): scaled by sqrt(brightness) alone, its wings
    gave edges of z 7-14 (the benchmark family's near-dark shots)."""
    rng = np.random.default_rng(12)
    i = np.arange(1024)
    clean = 40_000.0 * np.exp(-0.5 * ((i - 512) / 260.0) ** 4)  # a flat top, long dim wings

    def camera(light: F64) -> F64:
        return np.asarray(rng.poisson(light) + rng.normal(0.0, 40.0, light.size), np.float64)

    model, mean = _model_from([camera(clean) for _ in range(64)])
    assert model is not None
    tops = []
    for _ in range(40):
        shot = camera(0.05 * clean)
        ratio = reference_ratio(shot, mean, model.usable)
        tops.append(find_gls_edge(model, ratio, -1.0, brightness(shot, mean, model.usable)).z)
    assert max(tops) < 5.0, sorted(tops)[-5:]


def test_pixel_noise_is_not_counted_again_as_smooth_modulation() -> None:
    """References with photon noise only: each cosine's coefficients vary by the noise along
    it, which the model holds per pixel already; the prior of the smooth modulations is only
    the excess (before, it was the noise itself: the low frequencies, where a wide edge's
    information lies, were down-weighted twice)."""
    rng = np.random.default_rng(13)
    clean = _spectrum(1024, rng)
    model, _ = _model_from([_poisson_shot(clean, rng) for _ in range(128)])
    assert model is not None
    cosines = model.basis[:, 2 : model.basis.shape[1] - 12]  # past level and tilt, before PCs
    noise_along = np.sum(cosines**2 / np.where(model.usable, model.weight, np.inf)[:, None], axis=0)
    prior = np.diag(model.prior)[2 : 2 + cosines.shape[1]]
    assert np.median(prior / noise_along) < 0.3


def _smooth_model(references: list[F64]) -> tuple[NoiseModel, F64]:
    mean = np.mean(references, axis=0)
    usable = mean > 0.03 * mean.max()
    ratios = np.stack([reference_ratio(r, mean, usable) for r in references])
    model = learn_noise_model(mean, ratios)
    assert model is not None
    return model, mean


@pytest.mark.parametrize("references", [16, 128])
def test_a_variation_in_one_place_does_not_cost_an_edge_elsewhere_its_significance(
    references: int,
) -> None:
    """References whose only variation beyond photon noise is a bump of random height at pixel
    300: the model holds it there. One variance per cosine (before) spread it over the whole
    span, and an edge at pixel 750 lost two thirds of its ``z`` (20 -> 6.3); from 16 references
    as from 128 (the full prior was taken from 64 on only)."""
    i = np.arange(1024.0)
    clean = 30_000.0 * np.exp(-0.5 * ((i - 512) / 300.0) ** 4) + 50.0
    bump = np.exp(-0.5 * ((i - 300) / 50.0) ** 2)
    edge = 1 - 0.02 * 0.5 * (1 + np.vectorize(math.erf)((i - 750) / (20 / 2.5631 * math.sqrt(2))))

    def median_z(height: float) -> float:
        rng = np.random.default_rng(7)
        learned = [
            rng.poisson(clean * np.exp(rng.normal(0, height) * bump)) for _ in range(references)
        ]
        model, mean = _smooth_model([np.asarray(r, np.float64) for r in learned])
        shots = [np.asarray(rng.poisson(clean * edge), np.float64) for _ in range(20)]
        return float(np.median(_z_of(model, mean, shots, -1.0)))

    quiet, bumpy = median_z(0.0), median_z(0.05)
    assert quiet > 15.0
    assert bumpy > 0.85 * quiet, (bumpy, quiet)


@pytest.mark.parametrize("drift", [0.0, 10.0])
def test_a_jittering_envelope_s_wings_are_no_edge(drift: float) -> None:
    """A steep envelope whose centre jitters by 10 px rms: its wings vary far more than its
    middle (a variation localised in two places, not of one variance per cosine). Fresh
    references, with the centre drifted by ``drift`` px since the model was learned (the
    reference follows, the model does not), are scored as X-ray shots, both signs: ``z`` stays
    that of noise (one variance per cosine, before: 90th percentile 4.7-4.9, the highest up to
    10; now 3.3-3.7 and 4.5-4.9)."""
    i = np.arange(2048.0)
    rng = np.random.default_rng(3)

    def shot(centre: float) -> F64:
        c = centre + rng.normal(0, 10.0)
        light = 30_000.0 * np.exp(-0.5 * ((i - c) / 600.0) ** 6) * rng.uniform(0.9, 1.1) + 20.0
        return np.asarray(rng.poisson(light) + rng.normal(0, 10, i.size), np.float64)

    model, _ = _smooth_model([shot(1024.0) for _ in range(128)])
    mean = np.mean([shot(1024.0 + drift) for _ in range(16)], axis=0)
    shots = [shot(1024.0 + drift) for _ in range(100)]
    highest = _z_of(model, mean, shots, -1.0) + _z_of(model, mean, shots, 1.0)
    assert np.percentile(highest, 90) < 4.3, np.percentile(highest, 90)
    assert max(highest) < 6.5, (np.percentile(highest, 90), max(highest))


def test_the_runner_up_is_the_best_other_candidate_once_the_edge_is_taken_out() -> None:
    """``runner_up_ratio`` against explicit matrices: the best edge (width, position,
    amplitude) taken out of the ratio, ``z`` of every width at the best 16 other local maxima
    of ``z`` more than ``separation`` px away."""
    rng = np.random.default_rng(21)
    n = 200
    clean = _spectrum(n, rng)
    params = ModelParams(widths=(3.0, 7.0, 14.0), min_period=60.0, components=4)
    model, mean = _model_from([_shot(clean, rng) for _ in range(16)], params)
    assert model is not None
    inverse = _explicit_inverse(model)
    half, (first, stop) = model.kernels.half, model.span
    templates = np.array(
        [[_template(w, half, n, q) for q in range(n)] for w in params.widths]
    )  # (width, position, pixel)
    i = np.arange(n)
    for seed in range(4):
        shot_rng = np.random.default_rng(100 + seed)
        second = 1 - 0.06 * (i > 140 + seed)  # a weaker step beside the edge
        shot = _shot(clean * second, shot_rng, (80.0 + 3.3 * seed, 5.0, 0.25))
        x = reference_ratio(shot, mean, model.usable)
        edge = find_gls_edge(model, x, sign=-1.0)
        y = inverse @ x
        numerators = templates @ y
        denominators = np.einsum("wqi,ij,wqj->wq", templates, inverse, templates)
        z = np.zeros_like(numerators)
        z[:, first:stop] = -numerators[:, first:stop] / np.sqrt(denominators[:, first:stop])
        row, p = np.unravel_index(int(np.argmax(z)), z.shape)
        amplitude = numerators[row, p] / denominators[row, p]
        profile = z.max(axis=0)
        peaks = [
            q for q in range(1, n - 1)
            if profile[q] >= profile[q - 1] and profile[q] > profile[q + 1] and profile[q] > 0
            and abs(q - p) > model.separation
        ]  # fmt: skip
        peaks = sorted(peaks, key=lambda q: profile[q])[-16:]
        rest = inverse @ (x - amplitude * templates[row, p])
        runner_up = max(
            -float(templates[v, q] @ rest) / math.sqrt(denominators[v, q])
            for v in range(len(params.widths))
            for q in peaks
        )
        assert edge.z == pytest.approx(z[row, p], rel=1e-6)
        assert edge.runner_up_ratio == pytest.approx(z[row, p] / runner_up, rel=1e-6)


def test_references_with_almost_no_noise_and_a_large_modulation_give_a_model() -> None:
    """Nearly noise-free references (a simulation) with a smooth modulation of 10 %: the
    prior's largest variance is 1e16 times its smallest, where the average of the blocks'
    matrices, inverted as it was, stopped being positive definite (a failed build)."""
    rng = np.random.default_rng(0)
    i = np.arange(1024)
    clean = 20_000.0 * np.exp(-0.5 * ((i - 512) / 225.0) ** 2) + 50.0
    references = [
        clean
        * np.exp(sum(rng.normal(0, 0.1) * np.cos(k * np.pi * i / 1024) for k in range(2, 6)))
        * (1 + 1e-9 * rng.normal(size=1024))
        for _ in range(128)
    ]
    model, mean = _model_from(references)
    assert model is not None
    assert np.isfinite(model.denominators[:, model.span[0] : model.span[1]]).all()
    shot = clean * (1 - 0.1 * (i > 600))
    edge = find_gls_edge(model, reference_ratio(shot, mean, model.usable), -1.0)
    assert edge.position == pytest.approx(600.0, abs=2.0)


def test_a_usable_pixel_between_dead_columns_is_no_spike() -> None:
    """The spike filter compares a pixel with its neighbours; an unusable neighbour's ratio is
    0 (no measurement), so a usable pixel between dead columns (or between the span's end and
    a dead column) was taken for a spike and zeroed wherever the shot's ratio was far from 0,
    a one-pixel step (in the family: picks at one pixel of narrowband_fast_drift, where the
    spectrum had moved). Here the shots are tilted against the references: no edge there."""
    rng = np.random.default_rng(31)
    i = np.arange(1024, dtype=np.float64)
    dead = [599, 601]  # 600 is usable, alone

    def camera(tilt: float) -> F64:
        light = 200_000.0 * np.exp(-0.5 * ((i - 512.0) / 250.0) ** 2) * rng.uniform(0.9, 1.1)
        shot = np.asarray(rng.poisson(light * np.exp(tilt * (i - 512.0) / 512.0)), np.float64)
        shot[dead] = 0.0
        return shot

    model, mean = _model_from([camera(rng.normal(0.0, 0.05)) for _ in range(64)])
    assert model is not None and model.usable[600] and not model.usable[dead].any()
    for tilt in (-0.7, -0.6):  # beyond what the references showed: the span's ends may stand out
        ratio = reference_ratio(camera(tilt), mean, model.usable)
        for sign in (-1.0, 1.0):
            edge = find_gls_edge(model, ratio, sign)
            assert edge.z < 6.0 or abs(edge.position - 600.0) > 50.0, (tilt, sign, edge)


def test_more_jittering_fringes_than_a_dozen_components_hold_are_no_edge() -> None:
    """Eight fringes, each with its own phase jitter: 16 shapes of variation, more than the
    12 components the model kept (cliff_spectrum_fine_modulation, with its fringes, lines,
    leak and cliff all moving: null z above 8 in a tenth of its reference shots; here up to
    9.5 with 12 components, below 4 with 24)."""
    rng = np.random.default_rng(33)
    n = 1600
    i = np.arange(n, dtype=np.float64)
    clean = 30_000.0 * np.exp(-0.5 * ((i - 800.0) / 420.0) ** 4) + 30.0
    periods = np.array([23.0, 29.0, 37.0, 43.0, 53.0, 61.0, 71.0, 83.0])
    phases = rng.uniform(0.0, 2.0 * np.pi, periods.size)

    def camera() -> F64:
        jitter = phases + rng.normal(0.0, 0.6, periods.size)
        log = 0.04 * np.sin(2.0 * np.pi * i[:, None] / periods + jitter).sum(axis=1)
        return np.asarray(rng.poisson(clean * np.exp(log) * rng.uniform(0.9, 1.1)), np.float64)

    model, mean = _model_from([camera() for _ in range(128)])
    assert model is not None
    tops = [max(_z_of(model, mean, [camera()], sign)[0] for sign in (-1.0, 1.0)) for _ in range(40)]
    assert max(tops) < 6.0, sorted(tops)[-5:]


@pytest.mark.parametrize("where", ["first", "last", "beside_dead"])
def test_a_hot_pixel_at_the_end_of_the_usable_span_is_still_a_spike(where: str) -> None:
    """A usable pixel with one unusable neighbour is still compared with the other (only one
    between two unusable pixels is left alone): a cosmic ray on the first or last usable pixel,
    or beside a dead column, is no edge."""
    rng = np.random.default_rng(7)
    i = np.arange(1024, dtype=np.float64)
    light = 50_000.0 * np.exp(-0.5 * ((i - 512.0) / 120.0) ** 2) + 20.0

    def camera() -> F64:
        shot = np.asarray(rng.poisson(light * rng.uniform(0.9, 1.1)), dtype=np.float64)
        shot[400] = 0.0  # a dead column
        return shot

    model, mean = _model_from([camera() for _ in range(128)])
    assert model is not None
    usable = np.flatnonzero(model.usable)
    pixel = {"first": int(usable[0]), "last": int(usable[-1]), "beside_dead": 399}[where]
    for _ in range(10):
        shot = camera()
        shot[pixel] += 50.0 * math.sqrt(light[pixel])  # 50 sigma of its photon noise
        ratio = reference_ratio(shot, mean, model.usable)
        for sign in (-1.0, 1.0):
            assert find_gls_edge(model, ratio, sign).z < 6.0, (where, sign)


@pytest.mark.parametrize("half_width", [30.0, 50.0])
def test_noise_alone_on_a_narrow_span_is_not_taken_for_structure(half_width: float) -> None:
    """On a spectrum of 100-160 usable pixels with photon noise only, principal components of
    the reference ratios are noise: each takes the largest noise there is, the pixel noise left
    looks smaller than it is and every z larger. Only components standing out from the noise
    are kept (with 24 kept regardless, the photon noise came out at 0.53 and 0.64 of the true
    one and 4-6 % of these shots reached z 4; now 0.93-0.95 and at most 1 %)."""
    rng = np.random.default_rng(3)
    i = np.arange(1024, dtype=np.float64)
    clean = 50_000.0 * np.exp(-0.5 * ((i - 512.0) / half_width) ** 4) + 20.0

    def camera() -> F64:
        return np.asarray(rng.poisson(clean * rng.uniform(0.9, 1.1)), dtype=np.float64)

    model, mean = _model_from([camera() for _ in range(129)])
    assert model is not None
    assert model.photon_noise == pytest.approx(1.0 + 1.0 / 128, rel=0.1)
    tops = np.array(
        [max(_z_of(model, mean, [camera()], s)[0] for s in (-1.0, 1.0)) for _ in range(150)]
    )
    assert np.mean(tops >= 4.0) <= 0.02, sorted(tops)[-10:]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_spectrum_rippled_anew_on_every_shot_on_50_to_150_px_is_no_edge(seed: int) -> None:
    """Six sinusoids of 50-150 px with new periods, phases and sizes on every shot (a SASE
    probe's spikes, a white light's modulations): below the smooth basis' 100 px and of no few
    shapes that components could hold. The fine cosines (50-100 px) carry the variance the
    references show there (without them: no-edge shots reached z 18-31 and 20-34 px edges
    were placed up to 15 px off; with them the no-edge shots' z is 6 at the 90th percentile)."""
    rng = np.random.default_rng(seed)
    n = 1600
    i = np.arange(n, dtype=np.float64)
    clean = 30_000.0 * np.exp(-0.5 * ((i - 800.0) / 450.0) ** 2) + 30.0

    def camera(edge: float | None = None) -> F64:
        light = clean * rng.uniform(0.9, 1.1)
        ripple = np.ones(n)
        for _ in range(6):
            period, phase = rng.uniform(50.0, 150.0), rng.uniform(0.0, 2.0 * np.pi)
            ripple += rng.normal(0.0, 0.025) * np.cos(2.0 * np.pi * i / period + phase)
        if edge is not None:
            light *= 1.0 - 0.1 * 0.5 * (1.0 + np.vectorize(math.erf)((i - edge) / 13.24))
        return np.asarray(rng.poisson(light * ripple), dtype=np.float64)

    model, mean = _model_from([camera() for _ in range(128)])
    assert model is not None
    errors, tops = [], []
    for _ in range(30):
        position = rng.uniform(500.0, 1100.0)
        ratio = reference_ratio(camera(position), mean, model.usable)
        errors.append(abs(find_gls_edge(model, ratio, -1.0).position - position))
        tops.append(max(_z_of(model, mean, [camera()], sign)[0] for sign in (-1.0, 1.0)))
    assert max(errors) < 5.0, sorted(errors)[-5:]
    assert np.percentile(tops, 90) < 8.0, sorted(tops)[-5:]  # without the fine cosines: 21


@pytest.mark.parametrize("pixel", [0, 1023])
def test_a_hot_pixel_at_the_end_of_the_profile_is_a_spike_too(pixel: int) -> None:
    """The profile's first and last pixels have one neighbour: they are compared with it (a
    step between them lies in the margin, where no edge is searched). Untested, a cosmic ray
    on the first column of a camera whose spectrum fills it made an edge of z near 19."""
    rng = np.random.default_rng(8)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None and model.usable[pixel]
    for _ in range(10):
        shot = _shot(clean, rng)
        shot[pixel] += 30.0 * math.sqrt(clean[pixel])  # 30 sigma of its photon noise
        ratio = reference_ratio(shot, mean, model.usable)
        for sign in (-1.0, 1.0):
            assert find_gls_edge(model, ratio, sign).z < 6.0, (pixel, sign)


def test_a_hot_pixel_next_to_the_end_does_not_spread_to_the_end() -> None:
    """The end pixel is compared with its neighbour as cleaned: a cosmic ray on the second
    pixel (replaced by the median) is not copied onto the first (it was, and made an edge)."""
    rng = np.random.default_rng(8)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    for _ in range(10):
        shot = _shot(clean, rng)
        shot[1022] += 30.0 * math.sqrt(clean[1022])
        ratio = reference_ratio(shot, mean, model.usable)
        assert find_gls_edge(model, ratio, 1.0).z < 6.0
        assert find_gls_edge(model, ratio, -1.0).z < 6.0


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 15): a mean reference cannot follow sides that move by more than their "
    "width; no-edge shots reach z 9.9 there (hollow_fibre_breathing's misses)",
)
def test_the_moving_steep_sides_of_a_breathing_spectrum_are_no_edge() -> None:
    """A flat top with steep sides (super-Gaussian of order 7) whose width breathes by 7 % rms
    from shot to shot: its sides move by about 45 px, more than they are wide, so near them the
    light swings between dark and full and the ratio is not linear in anything the model holds.
    No-edge shots (fresh references scored as X-ray shots, both signs) must stay noise there;
    an edge of 10 % in the flat top must still be found. Today: p90 of the no-edge z 4.1, the
    highest 9.9, sharp (2 px) steps at the moving sides. Tried and not enough (session of
    2026-11-29, seventh): a noise floor at the ratios' mean square where it exceeds 1 (the
    highest here 14), the residual the components leave in left-out blocks (unchanged), the
    noise at the shot's own local light (sharp steps where unlit pixels are set to 0)."""
    i = np.arange(1536.0)
    rng = np.random.default_rng(5)

    def light(width: float) -> F64:
        return np.asarray(
            20_000.0 * np.exp(-(np.abs((i - 768.0) / width) ** 7)) * rng.uniform(0.9, 1.1) + 20.0
        )

    def shot(edge: float | None = None) -> F64:
        clean = light(600.0 * (1 + rng.normal(0, 0.07)))
        if edge is not None:
            clean = clean * (1 - 0.1 / (1 + np.exp(-(i - edge) / 3.0)))
        return np.asarray(rng.poisson(clean) + rng.normal(0, 5, i.size), np.float64)

    model, _ = _smooth_model([shot() for _ in range(128)])
    mean = np.mean([shot() for _ in range(16)], axis=0)
    nulls = [shot() for _ in range(100)]
    highest = _z_of(model, mean, nulls, -1.0) + _z_of(model, mean, nulls, 1.0)
    assert np.percentile(highest, 90) < 5.0, np.percentile(highest, 90)
    assert max(highest) < 8.0, (np.percentile(highest, 90), max(highest))
    for position in (500.0, 768.0, 1000.0):
        edge = find_gls_edge(model, reference_ratio(shot(position), mean, model.usable), -1.0)
        assert abs(edge.position - position) < 3, (position, edge.position, edge.z)


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_a_step_too_large_for_an_x_ray_edge_is_no_candidate(sign: float) -> None:
    """The light beyond pixel 880 drops to a sixth (a steep side of the spectrum that moved, seen
    against a mean reference): a step of 1.8 in the ratio's logarithm, far above any X-ray
    edge's, and far above a real 10 % edge at 500 in z. The drop is taken out as the spectrum's
    own and the real edge found (without the bound: the drop, z 700; excluding only the steps
    over the bound: a neighbour of the drop just under it, z 700 too); with the drop alone,
    what is left is noise."""
    rng = np.random.default_rng(11)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    i = np.arange(1024)
    drop = np.where(i > 880, 1 / 6, 1.0) if sign < 0 else np.where(i < 140, 1 / 6, 1.0)
    with_edge = _shot(clean, rng, (500.0, 10.0, 0.1)) * drop
    if sign > 0:  # a rising edge: the light after it 10 % higher
        with_edge = _shot(clean * np.where(i > 500, 1.1, 1.0), rng) * drop
    edge = find_gls_edge(model, reference_ratio(with_edge, mean, model.usable), sign)
    assert abs(edge.position - 500) < 3, edge
    assert abs(edge.amplitude) < 0.2, edge
    alone = find_gls_edge(
        model, reference_ratio(_shot(clean, rng) * drop, mean, model.usable), sign
    )
    assert alone.z < 6.0 and abs(alone.amplitude) < 0.1, alone  # noise: not confident
