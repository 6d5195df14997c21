"""Coordinate conversion between WGS-84, GCJ-02 and BD-09.

* **WGS-84** – GPS / OpenStreetMap / everything outside China.
* **GCJ-02** – the Chinese "Mars" obfuscation used by Amap (Gaode), Tencent and WeChat.
* **BD-09** – Baidu's extra obfuscation layered on top of GCJ-02.

All functions take and return longitude first: ``(lon, lat)`` in decimal degrees.

The forward transforms (WGS-84 -> GCJ-02 -> BD-09) are the standard, widely published formulas
(Krasovsky ellipsoid ``a = 6378245.0``, ``ee = 0.00669342162296594323``; BD-09 with ``x_pi = pi * 3000 / 180``).
As is customary, points outside a rough bounding box of mainland China
(lon 72.004–137.8347, lat 0.8293–55.8271) are not shifted by GCJ-02.

The obfuscations have no closed-form inverse. The usual "one-step" inverse found in most libraries
(``wgs = 2 * gcj - forward(gcj)`` and the closed-form BD-09 -> GCJ-02) is off by up to a few metres.
The inverses here (:func:`gcj02_to_wgs84`, :func:`bd09_to_gcj02` and everything built on them) are
iterative: the estimate is refined by fixed-point iteration until the forward transform of the estimate
reproduces the input to better than 1e-9 degrees (about 0.1 mm), so round trips are accurate far below 1 cm.

Scalar functions return a tuple of Python floats; :func:`to_wgs84_array` and :func:`from_wgs84_array`
accept array-likes and return two numpy arrays (for bulk imports).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "CRS_CHOICES",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "from_wgs84_array",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "to_wgs84",
    "to_wgs84_array",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

CRS_CHOICES = ("wgs84", "gcj02", "bd09")

# GCJ-02 constants (Krasovsky 1940 ellipsoid).
A = 6378245.0
EE = 0.00669342162296594323
# BD-09 constant.
X_PI = math.pi * 3000.0 / 180.0

# Rough bounding box of mainland China: outside it GCJ-02 applies no shift.
CHINA_LON_MIN, CHINA_LON_MAX = 72.004, 137.8347
CHINA_LAT_MIN, CHINA_LAT_MAX = 0.8293, 55.8271

# Iterative inverse: stop once forward(estimate) matches the input to this many degrees.
INVERSE_TOLERANCE = 1e-9
INVERSE_MAX_ITERATIONS = 30


# --------------------------------------------------------------------------- vectorised core


def _out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < CHINA_LON_MIN) | (lon > CHINA_LON_MAX) | (lat < CHINA_LAT_MIN) | (lat > CHINA_LAT_MAX)


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_one_step(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The common closed-form approximation of BD-09 -> GCJ-02 (used as the starting estimate)."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon: np.ndarray, lat: np.ndarray, lon0: np.ndarray, lat0: np.ndarray):
    """Fixed-point inversion of ``forward`` at (lon, lat), starting from (lon0, lat0).

    Each step moves the estimate by the residual ``forward(estimate) - target``; because the
    obfuscations are tiny, smooth perturbations of the identity this converges in a handful of steps.
    """
    est_lon, est_lat = lon0, lat0
    for _ in range(INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = forward(est_lon, est_lat)
        d_lon = f_lon - lon
        d_lat = f_lat - lat
        # Only points not yet converged move (NaN compares False, so NaN inputs stop at once); this keeps
        # every element of an array on exactly the path the scalar call would take.
        active = np.maximum(np.abs(d_lon), np.abs(d_lat)) >= INVERSE_TOLERANCE
        if not np.any(active):
            break
        est_lon = np.where(active, est_lon - d_lon, est_lon)
        est_lat = np.where(active, est_lat - d_lat, est_lat)
    return est_lon, est_lat


def _gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Start from the input itself (equivalent to one step of the classic "2 * gcj - forward(gcj)").
    est_lon, est_lat = _invert(_wgs84_to_gcj02, lon, lat, lon, lat)
    # Input outside the box was never shifted: return it untouched (bit-identical).
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, est_lon), np.where(outside, lat, est_lat)


def _bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon0, lat0 = _bd09_to_gcj02_one_step(lon, lat)
    return _invert(_gcj02_to_bd09, lon, lat, lon0, lat0)


def _wgs84_to_bd09(lon, lat):
    return _gcj02_to_bd09(*_wgs84_to_gcj02(lon, lat))


def _bd09_to_wgs84(lon, lat):
    return _gcj02_to_wgs84(*_bd09_to_gcj02(lon, lat))


def _identity(lon, lat):
    return lon, lat


_TO_WGS84 = {"wgs84": _identity, "gcj02": _gcj02_to_wgs84, "bd09": _bd09_to_wgs84}
_FROM_WGS84 = {"wgs84": _identity, "gcj02": _wgs84_to_gcj02, "bd09": _wgs84_to_bd09}


def _normalise_crs(crs) -> str:
    key = crs.strip().lower() if isinstance(crs, str) else crs
    if key not in CRS_CHOICES:
        raise ValueError(f"Unknown coordinate reference system {crs!r}; expected one of {', '.join(CRS_CHOICES)}")
    return key


def _as_arrays(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    if lon.shape != lat.shape:
        raise ValueError(f"lons and lats must have the same shape, got {lon.shape} and {lat.shape}")
    return lon, lat


def _scalar(func, lon, lat) -> tuple[float, float]:
    out_lon, out_lat = func(np.asarray(float(lon)), np.asarray(float(lat)))
    return float(out_lon), float(out_lat)


# --------------------------------------------------------------------------- public scalar API


def out_of_china(lon: float, lat: float) -> bool:
    """True if the point lies outside the rough bounding box in which GCJ-02 applies a shift."""
    return bool(_out_of_china(float(lon), float(lat)))


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 -> GCJ-02 (standard closed-form forward transform)."""
    return _scalar(_wgs84_to_gcj02, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 -> WGS-84, iterative.

    The widely copied one-step inverse ``2 * gcj - wgs84_to_gcj02(gcj)`` is off by up to a few metres.
    This version iterates until ``wgs84_to_gcj02(result)`` matches the input to < 1e-9 degrees
    (at most 30 iterations), so the round-trip error is well under 1 cm.
    """
    return _scalar(_gcj02_to_wgs84, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 -> BD-09 (standard closed-form forward transform)."""
    return _scalar(_gcj02_to_bd09, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 -> GCJ-02, iterative.

    Starts from the common closed-form inverse (which is only approximate, off by up to a few decimetres)
    and iterates until ``gcj02_to_bd09(result)`` matches the input to < 1e-9 degrees (at most 30 iterations).
    """
    return _scalar(_bd09_to_gcj02, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 -> BD-09 (via GCJ-02)."""
    return _scalar(_wgs84_to_bd09, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 -> WGS-84 (via GCJ-02; both steps iterative, round trip well under 1 cm)."""
    return _scalar(_bd09_to_wgs84, lon, lat)


def to_wgs84(lon: float, lat: float, crs: str = "wgs84") -> tuple[float, float]:
    """Convert a point given in ``crs`` ("wgs84", "gcj02" or "bd09") to WGS-84.

    Raises ``ValueError`` for any other crs.
    """
    return _scalar(_TO_WGS84[_normalise_crs(crs)], lon, lat)


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Convert a WGS-84 point to ``crs`` ("wgs84", "gcj02" or "bd09").

    Raises ``ValueError`` for any other crs.
    """
    return _scalar(_FROM_WGS84[_normalise_crs(crs)], lon, lat)


# --------------------------------------------------------------------------- public array API


def to_wgs84_array(lons, lats, crs: str = "wgs84") -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`to_wgs84`: array-likes of equal shape in, two float numpy arrays out.

    Results are identical to calling the scalar function point by point. NaNs propagate.
    """
    func = _TO_WGS84[_normalise_crs(crs)]
    lon, lat = _as_arrays(lons, lats)
    out_lon, out_lat = func(lon, lat)
    return np.array(out_lon, dtype=float), np.array(out_lat, dtype=float)


def from_wgs84_array(lons, lats, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`from_wgs84`: array-likes of equal shape in, two float numpy arrays out."""
    func = _FROM_WGS84[_normalise_crs(crs)]
    lon, lat = _as_arrays(lons, lats)
    out_lon, out_lat = func(lon, lat)
    return np.array(out_lon, dtype=float), np.array(out_lat, dtype=float)
