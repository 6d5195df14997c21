"""Placeholder: replaced by the coordinate conversion module."""


def to_wgs84(lon, lat, crs="wgs84"):
    if crs != "wgs84":
        raise NotImplementedError(crs)
    return lon, lat
