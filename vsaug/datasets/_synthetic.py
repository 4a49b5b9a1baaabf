"""A synthetic, CRTS-like set of periodic variable stars (the embedded default data).

Every step is vectorised over all points of all curves: per-curve parameters
are drawn as arrays and broadcast to points with ``np.repeat``; the shapes are
closed-form functions of phase (and, for the multi-periodic and modulated
classes, of time).

Shapes are written as ``f(phase) in [0, 1]`` with 1 the faintest point, so the
magnitude is ``mean_mag + amplitude * (f - mean(f))`` and the peak-to-peak
amplitude is exact for the strictly periodic classes.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from .._ragged import lengths_to_offsets, segment_positions, segment_sort
from .._random import child_seeds
from ..lightcurves import LightCurves
from ._crts import CRTS_CLASS_COUNTS, CRTS_CLASSES

__all__ = ["make_light_curves", "CLASS_PARAMETERS"]

_TWO_PI = 2.0 * np.pi

# Survey geometry like the CRTS Siding Spring data: ~8.3 years from MJD 53460,
# a target observable ~7 months a year, nights of about four exposures about
# ten minutes apart.
_SURVEY_START = 53460.0
_N_SEASONS = 8
_SEASON_DAYS = (150.0, 240.0)
_EXPOSURES_PER_NIGHT = 4
_EXPOSURE_GAP_DAYS = 10.0 / 1440.0

# Error model fitted by eye to CRTS: 0.05 mag floor, growing ~x2 per magnitude
# fainter (0.07 at V=15, 0.13 at 17, 0.21 at 18, 0.36 at 19).
_ERR_FLOOR, _ERR_SCALE, _ERR_REF_MAG, _ERR_SLOPE = 0.05, 0.155, 18.0, 0.3
_OUTLIER_RATE = 0.01

#: Per class: period (median days, log-sigma, min, max), amplitude (median
#: mag, log-sigma, min, max) and mean magnitude (mean, sigma), chosen to
#: resemble the CRTS catalogue's distributions.
CLASS_PARAMETERS = {
    "Ecl": dict(period=(0.35, 0.30, 0.22, 1.5), amplitude=(0.38, 0.35, 0.1, 1.0), mag=(15.5, 1.5)),
    "EA": dict(period=(1.0, 0.70, 0.3, 8.0), amplitude=(0.47, 0.40, 0.15, 1.5), mag=(15.2, 1.6)),
    "RRab": dict(period=(0.59, 0.12, 0.43, 0.85), amplitude=(0.70, 0.30, 0.3, 1.4), mag=(16.9, 1.3)),
    "RRc": dict(period=(0.325, 0.12, 0.24, 0.43), amplitude=(0.40, 0.20, 0.2, 0.7), mag=(16.1, 1.3)),
    "Rot": dict(period=(0.40, 0.35, 0.22, 400.0), amplitude=(0.20, 0.45, 0.05, 0.6), mag=(15.2, 1.6)),
    "LPV": dict(period=(270.0, 0.40, 80.0, 1000.0), amplitude=(1.6, 0.45, 0.5, 5.0), mag=(13.3, 1.8)),
    "RRd": dict(period=(0.372, 0.10, 0.28, 0.48), amplitude=(0.38, 0.25, 0.2, 0.8), mag=(15.4, 1.2)),
    "Blazhko": dict(period=(0.53, 0.10, 0.42, 0.70), amplitude=(0.73, 0.25, 0.4, 1.3), mag=(15.4, 1.3)),
    "CepII": dict(period=(10.0, 1.10, 0.8, 120.0), amplitude=(0.45, 0.45, 0.15, 1.3), mag=(14.2, 1.6)),
    "ACEP": dict(period=(0.90, 0.35, 0.4, 3.0), amplitude=(0.60, 0.40, 0.2, 1.5), mag=(15.7, 1.5)),
    "DSct": dict(period=(0.14, 0.25, 0.06, 0.3), amplitude=(0.32, 0.40, 0.1, 1.0), mag=(15.0, 1.6)),
}
# A fraction of rotators are slow (spotted giants and dwarfs of 1-400 days).
_SLOW_ROTATOR_FRACTION = 0.15


# ----------------------------------------------------------------- sampling
def _truncated_lognormal(rng, median, sigma, low, high, size):
    """Log-normal draws resampled (vectorised) until they fall in [low, high]."""
    out = np.exp(rng.normal(np.log(median), sigma, size))
    bad = (out < low) | (out > high)
    while bad.any():
        out[bad] = np.exp(rng.normal(np.log(median), sigma, bad.sum()))
        bad = (out < low) | (out > high)
    return out


def _class_counts(n_samples, classes, weights):
    """Deterministic per-class counts: a floor for every class, the rest by weight."""
    w = np.array([weights[c] for c in classes], dtype=np.float64)
    floor = min(5, n_samples // len(classes))
    rest = n_samples - floor * len(classes)
    share = rest * w / w.sum()
    counts = np.floor(share).astype(np.int64)
    # Largest remainders get the leftover curves so the total is exact.
    leftover = rest - counts.sum()
    counts[np.argsort(-(share - counts), kind="stable")[:leftover]] += 1
    return counts + floor


def _resolve_weights(weights, classes):
    if isinstance(weights, str):
        if weights == "crts":
            return {c: CRTS_CLASS_COUNTS[c] for c in classes}
        if weights == "balanced":
            return dict.fromkeys(classes, 1.0)
        raise ValueError(f"weights must be 'crts', 'balanced' or a dict; got {weights!r}")
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be 'crts', 'balanced' or a dict; got {type(weights).__name__}")
    unknown = sorted(set(weights) - set(classes))
    if unknown:
        raise ValueError(f"weights names class(es) {unknown} not among classes {list(classes)}")
    resolved = {c: float(weights.get(c, 0.0)) for c in classes}
    if any(not np.isfinite(v) or v < 0 for v in resolved.values()) or not sum(resolved.values()) > 0:
        raise ValueError(f"weights must be finite, >= 0 and not all zero; got {weights!r}")
    return resolved


def _cadence(rng, n_points):
    """CRTS-like observation times for curves of ``n_points`` points.

    Returns flat times (grouped by curve, unsorted) and their offsets.
    """
    n_curves = n_points.size
    n_nights = -(-n_points // _EXPOSURES_PER_NIGHT)
    night_curve = np.repeat(np.arange(n_curves), n_nights)
    # Each star has its own season start (its right ascension) and length.
    season_start = rng.uniform(0.0, 365.25, n_curves)[night_curve]
    season_len = rng.uniform(*_SEASON_DAYS, n_curves)[night_curve]
    season = rng.integers(0, _N_SEASONS, night_curve.size)
    night = (
        _SURVEY_START
        + season_start
        + 365.25 * season
        + np.floor(rng.uniform(0.0, season_len))
        + rng.uniform(0.1, 0.4, night_curve.size)  # time of night
    )
    # Four exposures per night; a curve keeps its first n_points of them.
    per_night = np.repeat(night, _EXPOSURES_PER_NIGHT)
    step = np.tile(np.arange(_EXPOSURES_PER_NIGHT), night.size)
    gap = _EXPOSURE_GAP_DAYS * rng.uniform(0.7, 1.5, per_night.size)
    t = per_night + step * gap
    full = lengths_to_offsets(n_nights * _EXPOSURES_PER_NIGHT)
    keep = segment_positions(full) < np.repeat(n_points, n_nights * _EXPOSURES_PER_NIGHT)
    return t[keep], lengths_to_offsets(n_points)


# ------------------------------------------------------------------- shapes
def _skewed_wave(phase, rise, n_harmonics):
    """Smooth asymmetric triangle wave in [0, 1]: faintest at phase 0,
    brightest at ``rise``; Fourier series truncated with Gaussian damping.

    The asymmetric triangle's coefficients are closed-form:
    ``c_k = -(1 - exp(-2 pi i k r)) / (4 pi^2 k^2 r (1 - r))``.
    """
    k = np.arange(1, n_harmonics + 1)
    r = rise[:, None]
    ck = -(1.0 - np.exp(-1j * _TWO_PI * k * r)) / (4 * np.pi**2 * k**2 * r * (1 - r))
    ck = ck * np.exp(-((k / (0.8 * n_harmonics)) ** 2))
    wave = 2.0 * np.real(ck * np.exp(1j * _TWO_PI * k * phase[:, None])).sum(axis=1)
    return -wave  # brightness peak -> magnitude minimum


def _periodic_gauss(phase, centre, width):
    d = phase - centre
    d -= np.round(d)
    return np.exp(-0.5 * (d / width) ** 2)


def _grid_range(grid_values, n_grid):
    """Minimum and peak-to-peak of every curve's shape sampled on a phase grid."""
    g = grid_values.reshape(-1, n_grid)
    return g.min(axis=1), np.ptp(g, axis=1)


class _Shapes:
    """Shape functions per class. Each takes per-point phase, time and a dict
    of per-point parameters and returns the magnitude offset in units of the
    amplitude."""

    @staticmethod
    def draw(name, rng, n):
        """Per-curve shape parameters for ``n`` curves of class ``name``."""
        u = rng.uniform
        if name == "Ecl":
            return dict(depth2=u(0.75, 1.0, n), sharp=u(1.0, 2.0, n), oconnell=u(-0.05, 0.05, n))
        if name == "EA":
            return dict(width=u(0.025, 0.07, n), depth2=u(0.05, 0.8, n),
                        centre2=0.5 + u(-0.06, 0.06, n), ellip=u(0.0, 0.08, n))
        if name in ("RRab", "Blazhko"):
            extra = dict(mod_period=u(20.0, 180.0, n), mod_depth=u(0.2, 0.5, n),
                         mod_shift=u(0.02, 0.08, n), mod_phase=u(0, _TWO_PI, n))
            return dict(rise=u(0.10, 0.20, n), harmonics=np.full(n, 8),
                        **(extra if name == "Blazhko" else {}))
        if name in ("RRc", "DSct"):
            return dict(rise=u(0.35, 0.48, n), harmonics=np.full(n, 3))
        if name == "RRd":
            # Fundamental/first-overtone period ratio ~0.745; the catalogued
            # period is the (dominant) first overtone.
            return dict(rise=u(0.35, 0.48, n), ratio=u(0.742, 0.748, n),
                        amp0=u(0.3, 0.9, n), rise0=u(0.12, 0.25, n), harmonics=np.full(n, 3))
        if name == "ACEP":
            return dict(rise=u(0.15, 0.30, n), harmonics=np.full(n, 6))
        if name == "CepII":
            return dict(rise=u(0.22, 0.40, n), harmonics=np.full(n, 5),
                        bump=u(0.0, 0.25, n), bump_at=u(0.45, 0.75, n))
        if name == "Rot":
            return dict(h2=u(0.0, 0.4, n), h2_phase=u(0, _TWO_PI, n),
                        evolve=u(200.0, 1500.0, n), evolve_phase=u(0, _TWO_PI, n))
        if name == "LPV":
            return dict(rise=u(0.30, 0.45, n), harmonics=np.full(n, 3),
                        cycle_var=u(0.1, 0.3, n), trend=u(-0.3, 0.3, n), var_phase=u(0, _TWO_PI, n))
        raise ValueError(name)


def _periodic_shape(name, phase, p):
    """The strictly periodic part of class ``name``'s shape at ``phase``."""
    if name == "Ecl":
        primary = ((1 + np.cos(2 * _TWO_PI * phase)) / 2) ** p["sharp"]
        weight = p["depth2"] + (1 - p["depth2"]) * (1 + np.cos(_TWO_PI * phase)) / 2
        return primary * weight + p["oconnell"] * np.sin(_TWO_PI * phase)
    if name == "EA":
        return (_periodic_gauss(phase, 0.0, p["width"])
                + p["depth2"] * _periodic_gauss(phase, p["centre2"], p["width"])
                + p["ellip"] * (1 + np.cos(2 * _TWO_PI * phase)) / 2)
    if name == "Rot":
        return np.cos(_TWO_PI * phase) + p["h2"] * np.cos(2 * _TWO_PI * phase + p["h2_phase"])
    shape = _skewed_wave(phase, p["rise"], int(p["harmonics"][0]))
    if name == "CepII":
        shape = shape - p["bump"] * _periodic_gauss(phase, p["bump_at"], 0.05)
    return shape


def _point_magnitudes(name, t, phase, period, p):
    """Magnitude offsets (per unit amplitude) at every point, with the
    time-dependent effects of the modulated and multi-mode classes."""
    base = _periodic_shape(name, phase, p)
    if name == "Blazhko":
        # Amplitude and phase modulation over the Blazhko cycle.
        psi = _TWO_PI * t / p["mod_period"] + p["mod_phase"]
        shifted = np.mod(phase + p["mod_shift"] * np.sin(psi), 1.0)
        base = _periodic_shape(name, shifted, p) * (1 + p["mod_depth"] * np.cos(psi))
    elif name == "RRd":
        phase0 = np.mod(t / (period / p["ratio"]), 1.0)
        base = base + p["amp0"] * _skewed_wave(phase0, p["rise0"], 3)
    elif name == "Rot":
        # Spots evolve: amplitude wanders over hundreds of days.
        base = base * (1 + 0.4 * np.sin(_TWO_PI * t / p["evolve"] + p["evolve_phase"]))
    elif name == "LPV":
        cycles = t / period
        base = base * (1 + p["cycle_var"] * np.sin(_TWO_PI * cycles / 7.3 + p["var_phase"]))
        base = base + p["trend"] * (t - _SURVEY_START) / 3000.0
    return base


def _build_class(name, rng, n, n_points_range, n_grid=256):
    """Times, magnitudes, errors and meta of ``n`` curves of class ``name``."""
    prm = CLASS_PARAMETERS[name]
    period = _truncated_lognormal(rng, *prm["period"], n)
    if name == "Rot":
        slow = rng.random(n) < _SLOW_ROTATOR_FRACTION
        period[slow] = np.exp(rng.uniform(np.log(1.0), np.log(prm["period"][3]), slow.sum()))
    amplitude = _truncated_lognormal(rng, *prm["amplitude"], n)
    mean_mag = np.clip(rng.normal(*prm["mag"], n), 11.5, 19.3)
    shape = _Shapes.draw(name, rng, n)
    n_points = rng.integers(n_points_range[0], n_points_range[1] + 1, n)

    t, offsets = _cadence(rng, n_points)
    idx = np.repeat(np.arange(n), n_points)
    epoch = rng.uniform(0.0, 1.0, n)
    phase = np.mod(t / period[idx] + epoch[idx], 1.0)
    per_point = {k: v[idx] for k, v in shape.items()}
    raw = _point_magnitudes(name, t, phase, period[idx], per_point)

    # Normalise by the periodic shape's range on a phase grid so that
    # ``amplitude`` is the true peak-to-peak of the strictly periodic part.
    grid = np.tile(np.linspace(0.0, 1.0, n_grid, endpoint=False), n)
    per_grid = {k: np.repeat(v, n_grid) for k, v in shape.items()}
    lo, span = _grid_range(_periodic_shape(name, grid, per_grid), n_grid)
    true_ptp = amplitude.copy()
    if name == "Blazhko":
        true_ptp *= 1 + shape["mod_depth"]
    elif name == "RRd":
        # Peak-to-peak of the two modes together: the second adds its own range.
        g0 = _skewed_wave(grid, np.repeat(shape["rise0"], n_grid), 3).reshape(n, n_grid)
        true_ptp *= 1 + shape["amp0"] * np.ptp(g0, axis=1) / span
    elif name in ("Rot", "LPV"):
        factor = 1.4 if name == "Rot" else 1 + shape["cycle_var"]
        true_ptp *= factor
    mag_true = mean_mag[idx] + amplitude[idx] * (raw - lo[idx]) / span[idx] - amplitude[idx] / 2
    meta = pd.DataFrame({"period": period, "amplitude": true_ptp, "mean_mag": mean_mag})
    return t, mag_true, offsets, meta


def _observe(rng, mag_true):
    """Noisy magnitudes, magnitude-dependent errors and a few outliers."""
    # The scatter (like CRTS) is in the photon-noise part, never below the floor.
    scatter = np.exp(rng.normal(0.0, 0.15, mag_true.size))
    err = _ERR_FLOOR + _ERR_SCALE * 10 ** (_ERR_SLOPE * (mag_true - _ERR_REF_MAG)) * scatter
    mag = mag_true + err * np.clip(rng.standard_normal(err.size), -4, 4)
    outlier = rng.random(err.size) < _OUTLIER_RATE
    jump = rng.uniform(0.5, 2.5, outlier.sum()) * rng.choice([-1.0, 1.0], outlier.sum(), p=[0.3, 0.7])
    mag[outlier] += jump
    return mag, err


def make_light_curves(n_samples=2000, *, classes=None, weights="crts", n_points=(50, 350),
                      random_state=None):
    """Generate CRTS-like light curves of the 11 periodic variable classes.

    Shapes follow the physics of each class: RRab sawtooth (fast rise, slow
    decline), near-sinusoidal RRc, double-mode RRd (first overtone plus the
    fundamental at period ratio 0.745), Blazhko (RRab with amplitude and
    phase modulation over 20-180 days), contact eclipsing binaries (Ecl:
    continuous light variation with two nearly equal minima), detached
    eclipsing binaries (EA: flat with narrow eclipses), spotted rotators
    (Rot: evolving spot wave, mostly 0.2-1.5 d plus a slow tail), long-period
    variables (LPV: 80-1000 d, large amplitude, cycle-to-cycle changes and a
    trend), delta Scuti (DSct: 0.06-0.3 d), type-II Cepheids (CepII: 0.8-120 d,
    with a bump) and anomalous Cepheids (ACEP: 0.4-3 d). Periods, amplitudes
    and mean magnitudes are drawn from truncated log-normal / normal laws
    resembling the CRTS catalogue (see ``CLASS_PARAMETERS``). The cadence
    is CRTS-like: 8 observing seasons of 5-8 months from MJD 53460, nights
    of four exposures about ten minutes apart; errors grow with magnitude
    (0.05 mag floor, about 0.2 mag at V=18) and 1% of points are outliers
    shifted by 0.5-2.5 mag.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of light curves.
    classes : sequence of str, optional
        Subset of :data:`CRTS_CLASSES` to generate (default: all 11).
    weights : {"crts", "balanced"} or dict, default="crts"
        Class proportions: the CRTS imbalance (Ecl about half of the stars),
        equal classes, or ``{class: weight}``. Whatever the weights, every
        class gets at least ``min(5, n_samples // n_classes)`` curves so that
        small sets can still be stratified.
    n_points : (int, int), default=(50, 350)
        Inclusive range of the number of points per curve (uniform).
    random_state : int, RandomState instance or None, default=None
        Seed for repeatable data.

    Returns
    -------
    X : LightCurves of length n_samples
        Time-sorted curves in random class order; ``X.meta`` holds ``id``
        (0 .. n_samples - 1), ``period`` (days), ``amplitude`` (true
        peak-to-peak of the noiseless curve, mag), ``mean_mag`` and ``class``.
    y : ndarray of str (object dtype), shape (n_samples,)
        Class labels.

    Examples
    --------
    >>> from vsaug.datasets import make_light_curves
    >>> X, y = make_light_curves(300, random_state=0)
    >>> X.shape, y[:2].tolist() == X.meta["class"][:2].tolist()
    ((300,), True)
    >>> bool(X.meta.loc[y == "LPV", "period"].min() > 50)
    True
    """
    classes = CRTS_CLASSES if classes is None else tuple(classes)
    unknown = sorted(set(classes) - set(CRTS_CLASSES))
    if unknown or not classes or len(set(classes)) != len(classes):
        raise ValueError(
            f"classes must be distinct names from {list(CRTS_CLASSES)}; got {list(classes)}"
        )
    if not isinstance(n_samples, Integral) or n_samples < len(classes):
        raise ValueError(
            f"n_samples must be an integer >= the number of classes ({len(classes)}); "
            f"got {n_samples!r}"
        )
    lo_pts, hi_pts = n_points
    if not (isinstance(lo_pts, Integral) and isinstance(hi_pts, Integral)
            and 5 <= lo_pts <= hi_pts):
        raise ValueError(f"n_points must be two integers 5 <= low <= high; got {n_points!r}")
    rng = np.random.default_rng(child_seeds(random_state))
    counts = _class_counts(n_samples, classes, _resolve_weights(weights, classes))

    parts = []
    for name, n in zip(classes, counts):
        if n:
            t, mag_true, offsets, meta = _build_class(name, rng, int(n), (lo_pts, hi_pts))
            meta["class"] = name
            parts.append((t, mag_true, offsets, meta))
    t = np.concatenate([p[0] for p in parts])
    mag_true = np.concatenate([p[1] for p in parts])
    meta = pd.concat([p[3] for p in parts], ignore_index=True)
    lengths = np.concatenate([np.diff(p[2]) for p in parts])
    mag, err = _observe(rng, mag_true)

    X = LightCurves(t, mag, err, lengths_to_offsets(lengths), meta, copy=False, validate=False)
    X = X.reorder_points(segment_sort(X.time, X.offsets)).take(rng.permutation(n_samples))
    X.meta.insert(0, "id", np.arange(n_samples))
    y = X.meta["class"].to_numpy(dtype=object)
    return X.validate(), y
