"""core.photos: content-based format check, caps, EXIF GPS/time read-back and stripping. No database."""

import hashlib
import io
import struct
import zlib
from datetime import datetime, timedelta, timezone

import pillow_heif
import pytest
from PIL import Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from core import photos
from core.photos import PhotoRejected, ProcessedPhoto, distance_m, process_photo

LON, LAT = 121.4325678, 31.1123456  # Minhang, Shanghai


# ── fixtures: small real files made on the fly ────────────────────────────────────────────────────────────────────


def _dms(value):
    """Decimal degrees → EXIF (deg, min, sec) rationals, seconds to 1/10000."""
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 10000)
    return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 10000))


def _exif(lon=None, lat=None, when=None, offset=None, orientation=None, plain_datetime=None):
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    if orientation:
        exif[0x0112] = orientation
    if plain_datetime:
        exif[0x0132] = plain_datetime
    if when:
        sub = {0x9003: when}
        if offset:
            sub[0x9011] = offset
        exif[0x8769] = sub
    if lon is not None:
        exif[0x8825] = {
            0: b"\x02\x03\x00\x00",
            1: "N" if lat >= 0 else "S",
            2: _dms(lat),
            3: "E" if lon >= 0 else "W",
            4: _dms(lon),
            18: "WGS-84",
        }
    return exif


def _picture(size=(40, 30), mode="RGB"):
    """Left half red, right half blue: enough to tell which way up it is."""
    w, h = size
    im = Image.new(mode, size, "blue")
    im.paste(Image.new(mode, (w // 2, h), "red"), (0, 0))
    return im


def _encode(im, fmt, **params):
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def _jpeg(exif=None, size=(40, 30), **params):
    if exif is not None:
        params["exif"] = exif.tobytes()
    return _encode(_picture(size), "JPEG", quality=90, **params)


def _png_bomb(width, height):
    """A genuine 1-bit greyscale PNG, all black: width×height pixels in a few KB (never built in memory)."""

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _named(data, name, content_type="image/jpeg"):
    f = io.BytesIO(data)
    f.name, f.content_type = name, content_type
    return f


def _assert_no_metadata(content):
    again = Image.open(io.BytesIO(content))
    again.load()
    assert len(again.getexif()) == 0
    assert "exif" not in again.info and "xmp" not in again.info
    for marker in (b"Exif", b"GPS", b"WGS-84", b"TestCam", b"http://ns.adobe.com/xap", b"2024:05:06"):
        assert marker not in content


# ── JPEG, EXIF ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_jpeg_gps_and_time_read_then_stripped():
    original = _jpeg(_exif(LON, LAT, "2024:05:06 07:08:09", "+08:00"))
    assert b"Exif" in original and b"WGS-84" in original

    p = process_photo(io.BytesIO(original))

    assert isinstance(p, ProcessedPhoto)
    assert (p.extension, p.content_type, p.original_format) == ("jpg", "image/jpeg", "JPEG")
    assert (p.width, p.height) == (40, 30)
    assert p.exif_lon == pytest.approx(LON, abs=1e-5)
    assert p.exif_lat == pytest.approx(LAT, abs=1e-5)
    assert p.exif_time == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=8)))
    assert p.content.startswith(b"\xff\xd8\xff")
    _assert_no_metadata(p.content)
    assert p.sha256 == hashlib.sha256(original).hexdigest()


def test_xmp_is_stripped_too():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/xap/1.0/"/></x:xmpmeta>'
    original = _jpeg(_exif(LON, LAT), xmp=xmp)
    if b"http://ns.adobe.com/xap" not in original:
        pytest.skip("this Pillow cannot write XMP into a JPEG")
    _assert_no_metadata(process_photo(original).content)


def test_southern_western_hemisphere_and_naive_time():
    original = _jpeg(_exif(-58.3815591, -34.6036844, plain_datetime="2023:12:31 23:59:58"))
    p = process_photo(original)
    assert p.exif_lon == pytest.approx(-58.3815591, abs=1e-5)
    assert p.exif_lat == pytest.approx(-34.6036844, abs=1e-5)
    assert p.exif_time == datetime(2023, 12, 31, 23, 59, 58)
    assert p.exif_time.tzinfo is None


def test_no_exif_gives_none():
    p = process_photo(_jpeg())
    assert (p.exif_lon, p.exif_lat, p.exif_time) == (None, None, None)


def test_zero_zero_gps_and_blank_time_are_none():
    p = process_photo(_jpeg(_exif(0.0, 0.0, "    :  :     :  :  ")))
    assert (p.exif_lon, p.exif_lat, p.exif_time) == (None, None, None)


def test_exif_rotated_jpeg_comes_out_upright():
    # Orientation 6: the stored picture must be turned 90° clockwise to be seen upright.
    original = _jpeg(_exif(orientation=6), size=(40, 30))
    assert Image.open(io.BytesIO(original)).size == (40, 30)

    p = process_photo(original)

    assert (p.width, p.height) == (30, 40)
    served = Image.open(io.BytesIO(p.content)).convert("RGB")
    assert served.size == (30, 40)
    assert 0x0112 not in served.getexif()
    top, bottom = served.getpixel((15, 5)), served.getpixel((15, 35))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_icc_profile_kept():
    icc = b"\x00" * 128  # opaque to the encoder: it is copied, not parsed
    p = process_photo(_jpeg(_exif(LON, LAT), icc_profile=icc))
    assert Image.open(io.BytesIO(p.content)).info.get("icc_profile") == icc


def test_cmyk_jpeg_served_as_rgb():
    p = process_photo(_encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG"))
    assert Image.open(io.BytesIO(p.content)).mode == "RGB"


# ── PNG, WebP, HEIC ───────────────────────────────────────────────────────────────────────────────────────────────


def test_png_accepted_kept_png_and_exif_stripped():
    original = _encode(_picture(), "PNG", exif=_exif(LON, LAT).tobytes())
    p = process_photo(_named(original, "photo.jpg", "image/jpeg"))  # the name and declared type are ignored
    assert (p.extension, p.content_type, p.original_format) == ("png", "image/png", "PNG")
    assert p.content.startswith(b"\x89PNG")
    assert p.exif_lat == pytest.approx(LAT, abs=1e-5)
    _assert_no_metadata(p.content)


def test_png_palette_transparency_kept():
    im = Image.new("P", (8, 8), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    p = process_photo(_encode(im, "PNG", transparency=1))
    assert Image.open(io.BytesIO(p.content)).info.get("transparency") == 1


def test_webp_accepted_kept_webp_and_exif_stripped():
    original = _encode(_picture(), "WEBP", quality=80, exif=_exif(LON, LAT).tobytes())
    p = process_photo(io.BytesIO(original))
    assert (p.extension, p.content_type, p.original_format) == ("webp", "image/webp", "WEBP")
    assert p.content[:4] == b"RIFF" and p.content[8:12] == b"WEBP"
    assert p.exif_lon == pytest.approx(LON, abs=1e-5)
    _assert_no_metadata(p.content)


def test_lossless_webp_stays_lossless():
    p = process_photo(_encode(_picture(), "WEBP", lossless=True))
    assert b"VP8L" in p.content[:64]


def _heif_can_encode():
    return bool(pillow_heif.libheif_info().get("HEIF"))


@pytest.mark.skipif(not _heif_can_encode(), reason="this libheif build has no HEVC encoder, cannot make a HEIC")
def test_heic_accepted_and_converted_to_jpeg():
    heif = pillow_heif.from_pillow(_picture((64, 48)))
    buf = io.BytesIO()
    heif.save(buf, quality=80, exif=_exif(LON, LAT, "2024:05:06 07:08:09", "+08:00").tobytes())
    original = buf.getvalue()
    assert original[4:12] == b"ftypheic"

    p = process_photo(_named(original, "IMG_0001.HEIC", "application/octet-stream"))

    assert (p.extension, p.content_type, p.original_format) == ("jpg", "image/jpeg", "HEIC")
    assert p.content.startswith(b"\xff\xd8\xff")
    assert (p.width, p.height) == (64, 48)
    assert Image.open(io.BytesIO(p.content)).format == "JPEG"
    assert p.exif_lon == pytest.approx(LON, abs=1e-5)
    assert p.exif_lat == pytest.approx(LAT, abs=1e-5)
    assert p.exif_time == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=8)))
    _assert_no_metadata(p.content)


@pytest.mark.skipif(not _heif_can_encode(), reason="this libheif build has no HEVC encoder, cannot make a HEIC")
def test_rotated_heic_upright_not_turned_twice():
    buf = io.BytesIO()
    pillow_heif.from_pillow(_picture((40, 30))).save(buf, exif=_exif(orientation=6).tobytes())
    p = process_photo(buf.getvalue())
    assert (p.width, p.height) == (30, 40)
    served = Image.open(io.BytesIO(p.content)).convert("RGB")
    assert served.getpixel((15, 5))[0] > 200 and served.getpixel((15, 35))[2] > 200


def test_other_formats_named():
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
    assert "AVIF" in _refused(avif).message
    assert "视频" in _refused(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ").message
    assert "BMP" in _refused(b"BM" + b"\x00" * 50).message


# ── refusals ──────────────────────────────────────────────────────────────────────────────────────────────────────


def _refused(data, **kwargs):
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, **kwargs)
    assert info.value.message == str(info.value)
    return info.value


def test_gif_refused():
    e = _refused(_named(_encode(_picture(), "GIF"), "photo.jpg"))
    assert e.code == "format"
    assert e.message == "不支持的图片格式：GIF，仅接受 JPEG、PNG、WebP、HEIC"


def test_pdf_refused():
    assert "PDF" in _refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n").message


def test_text_named_jpg_refused():
    e = _refused(_named("这不是照片\nhello".encode(), "photo.jpg", "image/jpeg"))
    assert e.code == "format"
    assert "文本" in e.message and "JPEG" in e.message


def test_unknown_binary_refused():
    assert "无法识别" in _refused(bytes(range(256)) * 4).message


def test_empty_refused():
    assert _refused(io.BytesIO(b"")).code == "empty"


def test_truncated_jpeg_refused():
    original = _jpeg(_exif(LON, LAT), size=(200, 150))
    e = _refused(original[: len(original) // 2])
    assert e.code == "corrupt"
    assert "损坏或不完整" in e.message


def test_truncated_png_refused():
    original = _encode(Image.effect_noise((64, 64), 50), "PNG")
    assert _refused(original[: len(original) // 2]).code == "corrupt"


def test_over_byte_cap_refused_reading_at_most_cap_plus_one():
    original = _jpeg(size=(200, 150))

    class Counting(io.BytesIO):
        total = 0

        def read(self, n=-1):
            chunk = super().read(n)
            self.total += len(chunk)
            return chunk

    f = Counting(original)
    e = _refused(f, max_bytes=1000)
    assert e.code == "too_large"
    assert f.total == 1001
    assert process_photo(original, max_bytes=len(original)).sha256 == hashlib.sha256(original).hexdigest()


@pytest.fixture
def no_decoding(monkeypatch):
    """Fails the test if any pixel data gets decoded."""
    calls = []
    original = ImageFile.ImageFile.load

    def load(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def test_decompression_bomb_refused_without_decoding(no_decoding):
    bomb = _png_bomb(20000, 20000)  # 400 Mpx
    assert len(bomb) < 100_000
    e = _refused(bomb, max_pixels=10**12)  # Pillow's own DecompressionBombError, turned into PhotoRejected
    assert e.code == "too_many_pixels"
    e = _refused(bomb)
    assert e.code == "too_many_pixels"
    assert no_decoding == []


def test_pixel_cap_checked_from_header(no_decoding):
    e = _refused(_png_bomb(9000, 9000))  # 81 Mpx: above our 60 Mpx default, below Pillow's own limits
    assert e.code == "too_many_pixels"
    assert "9000×9000" in e.message
    assert no_decoding == []


def test_pillow_bomb_warning_refused(no_decoding):
    # 100 Mpx passes a 200 Mpx cap but trips Pillow's DecompressionBombWarning (> ~89 Mpx).
    assert _refused(_png_bomb(10000, 10000), max_pixels=200_000_000).code == "too_many_pixels"
    assert no_decoding == []


def test_small_pixel_cap():
    assert _refused(_jpeg(size=(40, 30)), max_pixels=1199).code == "too_many_pixels"
    assert process_photo(_jpeg(size=(40, 30)), max_pixels=1200).width == 40


# ── the rest ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_sha256_of_original_bytes_stable_across_uploads():
    original = _jpeg(_exif(LON, LAT))
    a, b = process_photo(io.BytesIO(original)), process_photo(original)
    assert a.sha256 == b.sha256 == hashlib.sha256(original).hexdigest()
    assert a.content == b.content


def test_processed_photo_is_frozen():
    p = process_photo(_jpeg())
    with pytest.raises(AttributeError):
        p.width = 1


def test_default_limits():
    from django.conf import settings

    if settings.configured:
        expected = (settings.PATROL["PHOTO_MAX_BYTES"], settings.PATROL["PHOTO_MAX_PIXELS"])
    else:
        expected = (15 * 1024 * 1024, 60_000_000)
    assert photos.default_limits() == expected


def test_distance_m():
    assert distance_m(LON, LAT, LON, LAT) == 0
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, abs=1)  # one degree on the mean sphere
    # 0.001° of longitude at 31.11°N ≈ 95 m.
    assert distance_m(121.432, 31.11, 121.433, 31.11) == pytest.approx(95.3, abs=0.5)
    assert distance_m(121.40, 31.10, 121.48, 31.12) == pytest.approx(distance_m(121.48, 31.12, 121.40, 31.10))
