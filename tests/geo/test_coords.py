"""Tests for geo.coords (WGS-84 / GCJ-02 / BD-09 conversion). Pure functions: no database."""

import math
import re

import numpy as np
import pytest
from pyproj import Geod

from geo import coords

GEOD = Geod(ellps="WGS84")

# --- Published test vectors -------------------------------------------------------------------------------
# wandergis/coordtransform, test/app.js (input 116.404, 39.915 near Tiananmen; lon, lat). The same numbers are
# used by hutool's CoordinateUtilTest and coordtransform_rs. Its gcj02towgs84 / bd09togcj02 are the classic
# ONE-STEP inverses, so those two published values are approximations of what the iterative inverse returns.
CT_INPUT = (116.404, 39.915)
CT_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
CT_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
CT_GCJ02_TO_WGS84_ONE_STEP = (116.39775550083061, 39.91359571849836)
CT_BD09_TO_GCJ02_ONE_STEP = (116.39762729119315, 39.90865673957631)

# googollee/eviltransform, python/test.py TESTS: (wgsLat, wgsLng, gcjLat, gcjLng) -- note: lat first there.
EVIL_WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # beijing
]

# A grid over greater Shanghai (lon 120.85-122.2, lat 30.7-31.9), 25 x 25 = 625 points.
_LON, _LAT = np.meshgrid(np.linspace(120.85, 122.2, 25), np.linspace(30.7, 31.9, 25))
SH_LONS = _LON.ravel()
SH_LATS = _LAT.ravel()
SH_POINTS = list(zip(SH_LONS.tolist(), SH_LATS.tolist(), strict=True))

OUTSIDE_CHINA = [
    (-0.1276, 51.5072),  # London
    (-74.006, 40.7128),  # New York
    (151.2093, -33.8688),  # Sydney
    (139.6917, 35.6895),  # Tokyo (east of the box)
    (37.6173, 55.7558),  # Moscow
    (0.0, 0.0),
]

CM = 0.01


def metres(lon1, lat1, lon2, lat2):
    """Geodesic distance(s) in metres on the WGS-84 ellipsoid."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def max_metres_between(points_a, points_b):
    a = np.asarray(points_a, dtype=float)
    b = np.asarray(points_b, dtype=float)
    return float(np.max(metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1])))


# --- Published vectors --------------------------------------------------------------------------------------


def test_wgs84_to_gcj02_matches_coordtransform():
    assert coords.wgs84_to_gcj02(*CT_INPUT) == pytest.approx(CT_WGS84_TO_GCJ02, abs=1e-12)


def test_gcj02_to_bd09_matches_coordtransform():
    assert coords.gcj02_to_bd09(*CT_INPUT) == pytest.approx(CT_GCJ02_TO_BD09, abs=1e-12)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVIL_WGS_GCJ)
def test_wgs84_to_gcj02_matches_eviltransform(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    assert coords.wgs84_to_gcj02(wgs_lon, wgs_lat) == pytest.approx((gcj_lon, gcj_lat), abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVIL_WGS_GCJ)
def test_gcj02_to_wgs84_recovers_eviltransform_input(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = coords.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert metres(lon, lat, wgs_lon, wgs_lat) < CM


def test_iterative_inverses_close_to_but_better_than_published_one_step_values():
    # The published one-step values are within a few metres of ours...
    gcj_inv = coords.gcj02_to_wgs84(*CT_INPUT)
    bd_inv = coords.bd09_to_gcj02(*CT_INPUT)
    assert 0.01 < metres(*gcj_inv, *CT_GCJ02_TO_WGS84_ONE_STEP) < 5
    assert 0.01 < metres(*bd_inv, *CT_BD09_TO_GCJ02_ONE_STEP) < 1
    # ...but only ours maps back onto the input exactly.
    assert metres(*coords.wgs84_to_gcj02(*gcj_inv), *CT_INPUT) < 1e-3
    assert metres(*coords.gcj02_to_bd09(*bd_inv), *CT_INPUT) < 1e-3
    assert metres(*coords.wgs84_to_gcj02(*CT_GCJ02_TO_WGS84_ONE_STEP), *CT_INPUT) > 0.05  # about 6 cm here


def test_bd09_forward_independent_derivation():
    # Independent re-derivation of the BD-09 forward formula in polar form.
    lon, lat = 121.4737, 31.2304
    x_pi = math.pi * 3000.0 / 180.0
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    expected = (z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006)
    assert coords.gcj02_to_bd09(lon, lat) == pytest.approx(expected, abs=1e-12)


# --- Round trips across Shanghai -----------------------------------------------------------------------------


def test_wgs84_gcj02_round_trip_under_1cm_across_shanghai():
    back = [coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat)) for lon, lat in SH_POINTS]
    assert max_metres_between(back, SH_POINTS) < CM


def test_gcj02_wgs84_round_trip_under_1cm_across_shanghai():
    back = [coords.wgs84_to_gcj02(*coords.gcj02_to_wgs84(lon, lat)) for lon, lat in SH_POINTS]
    assert max_metres_between(back, SH_POINTS) < CM


def test_gcj02_bd09_round_trip_under_1cm_across_shanghai():
    back = [coords.bd09_to_gcj02(*coords.gcj02_to_bd09(lon, lat)) for lon, lat in SH_POINTS]
    assert max_metres_between(back, SH_POINTS) < CM
    back = [coords.gcj02_to_bd09(*coords.bd09_to_gcj02(lon, lat)) for lon, lat in SH_POINTS]
    assert max_metres_between(back, SH_POINTS) < CM


def test_wgs84_bd09_round_trip_under_1cm_across_shanghai():
    back = [coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat)) for lon, lat in SH_POINTS]
    assert max_metres_between(back, SH_POINTS) < CM
    back = [coords.to_wgs84(*coords.from_wgs84(lon, lat, "bd09"), crs="bd09") for lon, lat in SH_POINTS]
    assert max_metres_between(back, SH_POINTS) < CM


def test_one_step_inverse_is_off_by_more_than_half_a_metre_somewhere():
    """The classic one-step inverse wgs = 2*gcj - f(gcj) is not good enough: this is why we iterate."""
    worst = 0.0
    for lon, lat in SH_POINTS:
        glon, glat = coords.wgs84_to_gcj02(lon, lat)
        flon, flat = coords.wgs84_to_gcj02(glon, glat)
        one_step = (2 * glon - flon, 2 * glat - flat)
        worst = max(worst, metres(lon, lat, *one_step))
    assert worst > 0.5


def test_gcj02_offset_in_shanghai_is_300_to_700_m():
    shifted = [coords.wgs84_to_gcj02(lon, lat) for lon, lat in SH_POINTS]
    d = metres(SH_LONS, SH_LATS, *np.asarray(shifted).T)
    assert 300 < d.min() and d.max() < 700


# --- Outside China, crs handling ------------------------------------------------------------------------------


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE_CHINA)
def test_points_outside_china_are_unchanged(lon, lat):
    assert coords.out_of_china(lon, lat)
    assert coords.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert coords.gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert coords.to_wgs84(lon, lat, "gcj02") == (lon, lat)
    assert coords.from_wgs84(lon, lat, "gcj02") == (lon, lat)


def test_shanghai_is_inside_china():
    assert not coords.out_of_china(121.4737, 31.2304)


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_to_and_from_wgs84_dispatch(crs):
    lon, lat = 121.4737, 31.2304
    expected_from = {
        "wgs84": (lon, lat),
        "gcj02": coords.wgs84_to_gcj02(lon, lat),
        "bd09": coords.wgs84_to_bd09(lon, lat),
    }[crs]
    expected_to = {
        "wgs84": (lon, lat),
        "gcj02": coords.gcj02_to_wgs84(lon, lat),
        "bd09": coords.bd09_to_wgs84(lon, lat),
    }[crs]
    assert coords.from_wgs84(lon, lat, crs) == expected_from
    assert coords.to_wgs84(lon, lat, crs) == expected_to


def test_to_wgs84_defaults_to_wgs84_and_returns_floats():
    out = coords.to_wgs84(121.5, 31.2)
    assert out == (121.5, 31.2)
    assert all(type(v) is float for v in out)
    assert all(type(v) is float for v in coords.gcj02_to_wgs84(121.5, 31.2))


@pytest.mark.parametrize("crs", ["epsg:4326", "bd-09", "", None])
def test_unknown_crs_raises_value_error(crs):
    with pytest.raises(ValueError, match=re.escape(repr(crs))):
        coords.to_wgs84(121.5, 31.2, crs)
    with pytest.raises(ValueError):
        coords.from_wgs84(121.5, 31.2, crs)
    with pytest.raises(ValueError):
        coords.to_wgs84_array([121.5], [31.2], crs)


# --- Array versions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_to_wgs84_array_equals_scalar(crs):
    lons = np.concatenate([SH_LONS, [p[0] for p in OUTSIDE_CHINA]])
    lats = np.concatenate([SH_LATS, [p[1] for p in OUTSIDE_CHINA]])
    out_lons, out_lats = coords.to_wgs84_array(lons, lats, crs)
    assert isinstance(out_lons, np.ndarray) and isinstance(out_lats, np.ndarray)
    assert out_lons.shape == lons.shape and out_lats.shape == lats.shape
    expected = np.array([coords.to_wgs84(lon, lat, crs) for lon, lat in zip(lons, lats, strict=True)])
    np.testing.assert_allclose(out_lons, expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out_lats, expected[:, 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_from_wgs84_array_equals_scalar(crs):
    out_lons, out_lats = coords.from_wgs84_array(SH_LONS, SH_LATS, crs)
    expected = np.array([coords.from_wgs84(lon, lat, crs) for lon, lat in SH_POINTS])
    np.testing.assert_allclose(out_lons, expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out_lats, expected[:, 1], rtol=0, atol=1e-12)


def test_array_accepts_lists_and_propagates_nan():
    lons, lats = coords.to_wgs84_array([121.5, float("nan")], [31.2, 31.2], "bd09")
    assert lons[0] == pytest.approx(coords.bd09_to_wgs84(121.5, 31.2)[0], abs=1e-12)
    assert math.isnan(lons[1]) and math.isnan(lats[1])


def test_array_shape_mismatch_raises():
    with pytest.raises(ValueError):
        coords.to_wgs84_array([121.5, 121.6], [31.2], "gcj02")


def test_array_bulk_round_trip_under_1cm():
    glons, glats = coords.from_wgs84_array(SH_LONS, SH_LATS, "bd09")
    wlons, wlats = coords.to_wgs84_array(glons, glats, "bd09")
    assert float(np.max(metres(SH_LONS, SH_LATS, wlons, wlats))) < CM
