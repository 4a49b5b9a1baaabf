"""Friedman's SuperSmoother for many periodic curves at once, on flat ragged arrays.

This computes, for every curve of a flat ragged array, what
``supersmoother.SuperSmoother(period=1).fit(ph, y, dy, presorted=True)
.predict(ph_out)`` computes for that curve alone (the pure-Python package
vsaug used per star before): three local linear smooths of spans 0.05, 0.2
and 0.5 of the points with leave-one-out values, their absolute residuals
smoothed with the middle span, the best span per point smoothed again and
used to interpolate between the three smooths, and a final smooth of span
0.05 evaluated at the requested phases. No bass enhancement (``alpha=None``),
as before.

Every local linear fit is a windowed sum of ``w``, ``w t``, ``w t^2``,
``w y`` and ``w t y`` over a fixed number of neighbours, the phase axis
wrapping around 0 = 1. The sums are differences of running sums, each
curve padded on both sides with its points shifted by one period, so the
cost is linear in the number of points whatever the span. The running sums
restart at every curve (one row per curve of a 2-D array): a running sum
across curves would carry the rounding of all earlier curves into the
differences, and the local fits' determinants cancel enough to show it
(1e-4 mag instead of 1e-10 in the smooth). Rows are as wide as the longest
curve, so callers should pass curves of similar lengths together.
"""

from __future__ import annotations

import numpy as np

from ._ragged import (lengths_to_offsets, segment_ids, segment_mean, segment_min,
                      segment_positions)

__all__ = ["periodic_supersmoother"]

PRIMARY_SPANS = (0.05, 0.2, 0.5)
MIDDLE_SPAN = 0.2
FINAL_SPAN = 0.05


def _span_points(fraction, n):
    """Integer window length per curve, as the reference computes it (truncated, >= 3)."""
    return np.clip(fraction * n, 3, None).astype(np.int64)


class _PeriodicWindows:
    """Windowed sums over the phase-sorted points of many curves, wrapping at phase 1.

    Parameters
    ----------
    ph, w : ndarray of shape (n_points,)
        Phases in [0, 1), sorted and distinct within each curve, and weights.
    offsets : ndarray of shape (n_curves + 1,)
    """

    def __init__(self, ph, w, offsets):
        n = np.diff(offsets)
        # Padding for the widest window [i - s // 2, i - s // 2 + s): never
        # more than one period, since no span exceeds the curve's length.
        widest = _span_points(max(PRIMARY_SPANS), n)
        left, right = widest // 2, widest - widest // 2 - 1
        padded = lengths_to_offsets(left + n + right)
        # Row r of the running sums holds curve r: column 0 is 0, column
        # k + 1 the sum of its first k + 1 padded values; the columns after
        # them repeat the total. Cells read fit point ``src`` (the last
        # point, times a zero weight, for the empty cells).
        self.width = int(np.diff(padded).max(initial=0)) + 1
        n_curves = n.size
        curve = segment_ids(padded)
        local = segment_positions(padded)
        pos = local - left[curve]
        cells = curve * self.width + local + 1
        self.src = np.full(n_curves * self.width, ph.size, dtype=np.int64)
        self.src[cells] = offsets[:-1][curve] + np.mod(pos, n[curve])
        shift = np.zeros(self.src.size)
        shift[cells] = np.floor_divide(pos, n[curve])
        self.shape = (n_curves, self.width)
        self.w = self._cells(w)
        self.w[self.src == ph.size] = 0.0
        self.t = self._cells(ph) + shift
        self.point_curve = segment_ids(offsets)
        self.centre = (self.point_curve * self.width + left[self.point_curve]
                       + segment_positions(offsets))
        self.ph, self.w_fit = ph, w
        wt = self.w * self.t
        self.cum = {"w": self._cumsum(self.w), "tw": self._cumsum(wt),
                    "ttw": self._cumsum(wt * self.t)}
        self._moments, self._bounds_cache, self._coefficients = {}, {}, {}

    def _cells(self, values):
        return np.take(values, self.src, mode="clip")

    def _cumsum(self, cells):
        return np.cumsum(cells.reshape(self.shape), axis=1).ravel()

    def _bounds(self, span):
        """Running-sum indices of the start and end of every point's window."""
        key = span.tobytes()
        if key not in self._bounds_cache:
            s = span[self.point_curve]
            start = self.centre - s // 2
            self._bounds_cache[key] = start, start + s
        return self._bounds_cache[key]

    def _window(self, cum, span):
        start, stop = self._bounds(span)
        return np.take(cum, stop) - np.take(cum, start)

    def moments(self, span, cv):
        """Windowed sum of w, w t and w t^2 (without the point itself if ``cv``)."""
        key = span.tobytes()
        if key not in self._moments:
            self._moments[key] = tuple(self._window(self.cum[k], span) for k in ("w", "tw", "ttw"))
        w, tw, ttw = self._moments[key]
        if cv:
            w_ph = self.w_fit * self.ph
            return w - self.w_fit, tw - w_ph, ttw - w_ph * self.ph
        return w, tw, ttw

    def sums(self, y):
        """Running sums of ``w y`` and ``w t y``; shared by every span of one ``y``."""
        yw = self._cells(y) * self.w
        return y, self._cumsum(yw), self._cumsum(yw * self.t)

    def line(self, sums, span, cv):
        """Slope, intercept and common denominator of each point's local weighted line."""
        y, cum_yw, cum_tyw = sums
        w, tw, ttw = self.moments(span, cv)
        yw = self._window(cum_yw, span)
        tyw = self._window(cum_tyw, span)
        if cv:
            yw = yw - y * self.w_fit
            tyw = tyw - y * self.w_fit * self.ph
        return tyw * w - tw * yw, ttw * yw - tyw * tw, self._denominator(w, tw, ttw)

    @staticmethod
    def _denominator(w, tw, ttw):
        denominator = w * ttw - tw * tw
        if np.any(denominator == 0):
            raise ValueError("zero denominator in the linear smooth: a window holds points "
                             "of one phase only; merge duplicated phases first")
        return denominator

    def smooth(self, sums, span, cv):
        """Local linear smooth of ``y`` (given by its :meth:`sums`) at the curve's own points.

        The line's value at the point's own phase ``p`` is
        ``(tyw (w p - tw) + yw (ttw - tw p)) / (w ttw - tw^2)``: the two
        coefficients depend on the span only, so smooths that share a span
        share them.
        """
        key = (span.tobytes(), cv)
        if key not in self._coefficients:
            w, tw, ttw = self.moments(span, cv)
            denominator = self._denominator(w, tw, ttw)
            self._coefficients[key] = ((w * self.ph - tw) / denominator,
                                       (ttw - tw * self.ph) / denominator)
        a, b = self._coefficients[key]
        y, cum_yw, cum_tyw = sums
        yw, tyw = self._window(cum_yw, span), self._window(cum_tyw, span)
        if cv:
            yw = yw - y * self.w_fit
            tyw = tyw - y * self.w_fit * self.ph
        return tyw * a + yw * b


def _interpolate_spans(spans, smooths, x):
    """Linear interpolation between the three primary smooths at span ``x``."""
    lower = smooths[0] + (x - spans[0]) * (smooths[1] - smooths[0]) / (spans[1] - spans[0])
    upper = smooths[1] + (x - spans[1]) * (smooths[2] - smooths[1]) / (spans[2] - spans[1])
    return np.where(x < spans[1], lower, upper)


def _query_index(ph, offsets, ph_out, out_offsets):
    """Per query: index of the first fit point of its curve with phase >= it (clipped).

    This is ``searchsorted(side="left")`` within each curve. One global
    search on ``2 * curve + phase`` finds it up to the rounding of that sum
    (1e-12 for a thousand curves); distinct fit phases are farther apart
    than that, so one exact comparison with each neighbour corrects it.
    """
    fit_curve, out_curve = segment_ids(offsets), segment_ids(out_offsets)
    i = np.searchsorted(2.0 * fit_curve + ph, 2.0 * out_curve + ph_out)
    start, stop = offsets[:-1][out_curve], offsets[1:][out_curve]
    below = (i > start) & (ph[np.maximum(i - 1, 0)] >= ph_out)
    above = (i < stop) & (ph[np.minimum(i, ph.size - 1)] < ph_out)
    i = i - below + above
    return np.minimum(i, stop - 1)


def periodic_supersmoother(ph, y, dy, offsets, ph_out, out_offsets):
    """SuperSmoother (period 1) of every curve, evaluated at given phases.

    Parameters
    ----------
    ph, y, dy : ndarray of shape (n_points,)
        Points to fit: phases in [0, 1), strictly increasing within each
        curve (merge duplicated phases first), values and errors.
    offsets : ndarray of shape (n_curves + 1,)
        Curve boundaries of the fit points; every curve needs >= 3 points.
    ph_out : ndarray of shape (n_out,)
        Phases in [0, 1) where the smooth is wanted, grouped by curve.
    out_offsets : ndarray of shape (n_curves + 1,)
        Curve boundaries of ``ph_out``.

    Returns
    -------
    smooth : ndarray of shape (n_out,)
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    out_offsets = np.asarray(out_offsets, dtype=np.int64)
    n = np.diff(offsets)
    # The smooth is linear in y and the fits invariant to a common scale of
    # the weights: centring y and scaling w per curve keeps the running sums
    # small, so their differences lose no precision.
    y_mean = segment_mean(y, offsets)
    y_c = y - np.repeat(y_mean, n)
    # relative to each curve's smallest error first: 1 / dy**2 overflows
    # for errors below ~1e-154 or above ~1e154
    w = (np.repeat(segment_min(dy, offsets), n) / dy) ** 2
    w = w / np.repeat(segment_mean(w, offsets), n)
    win = _PeriodicWindows(ph, w, offsets)
    spans = np.asarray(PRIMARY_SPANS)
    primary_pts = [_span_points(f, n) for f in PRIMARY_SPANS]
    middle = _span_points(MIDDLE_SPAN, n)

    y_sums = win.sums(y_c)
    primary = np.empty((len(PRIMARY_SPANS), ph.size))
    smoothed_resid = np.empty_like(primary)
    for k, s in enumerate(primary_pts):
        primary[k] = win.smooth(y_sums, s, cv=True)
        smoothed_resid[k] = win.smooth(win.sums(np.abs((primary[k] - y_c) / dy)), middle,
                                       cv=False)
    best = spans[np.argmin(smoothed_resid, axis=0)]
    chosen = np.clip(win.smooth(win.sums(best), middle, cv=False), spans[0], spans[-1])
    raw = _interpolate_spans(spans, primary, chosen)

    slope, intercept, denominator = win.line(win.sums(raw), _span_points(FINAL_SPAN, n),
                                             cv=False)
    i = _query_index(ph, offsets, ph_out, out_offsets)
    smooth = (slope[i] * ph_out + intercept[i]) / denominator[i]
    return smooth + np.repeat(y_mean, np.diff(out_offsets))
