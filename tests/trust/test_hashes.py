"""Perceptual hashes on real photographs: altered copies stay within the threshold, different photos never do."""
import pytest
from PIL import Image

from core.photos import hamming, perceptual_hashes, process_photo
from core.stored_photos import DEFAULT_SAME_MAX_BITS, hash_quarters, quarter_radii, within_bits

from .photos import NAMES, altered, jpeg_bytes, pairs, photo

T = DEFAULT_SAME_MAX_BITS


@pytest.fixture(scope="module")
def hashes():
    return {name: perceptual_hashes(photo(name))[0] for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_altered_copies_of_a_photo_are_within_the_threshold(name, hashes):
    for how, copy in altered(photo(name)).items():
        distance = hamming(perceptual_hashes(copy)[0], hashes[name])
        assert distance <= T, (name, how, distance)


def test_different_photos_are_never_within_the_threshold(hashes):
    close = [(a, b, hamming(hashes[a], hashes[b])) for a, b in pairs() if hamming(hashes[a], hashes[b]) <= T]
    assert close == []
    # and with room to spare: the nearest two different photos of the set are 20 bits apart (threshold 12)
    assert min(hamming(hashes[a], hashes[b]) for a, b in pairs()) >= T + 6


def test_the_hash_is_of_the_upright_picture_and_survives_the_stored_copy():
    """Hash of a photo sent sideways with an EXIF orientation = hash of the same photo sent upright."""
    im = photo("astronaut")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    sideways = process_photo(jpeg_bytes(im.rotate(90, expand=True), 92, exif))
    upright = process_photo(jpeg_bytes(im, 92))
    assert len(upright.phash) == 16 and int(upright.phash, 16) >= 0
    assert hamming(sideways.phash, upright.phash) <= 2
    # the stored (cleaned, re-encoded) copy hashes the same as what was recorded
    stored = perceptual_hashes(Image.open(__import__("io").BytesIO(upright.content)))[0]
    assert hamming(stored, upright.phash) <= 2


def test_a_picture_that_cannot_be_hashed_gets_none_not_an_error():
    class Broken(Image.Image):
        mode = "RGB"

        def convert(self, *a, **k):
            raise OSError("decoder gone")

    assert perceptual_hashes(Broken()) == (None, None)


def test_quarters_and_their_neighbourhood():
    assert hash_quarters("0123456789abcdef") == (0x0123, 0x4567, 0x89AB, 0xCDEF)
    around = within_bits(0x00FF, 2)
    assert len(around) == len(set(around)) == 1 + 16 + 120
    assert all((v ^ 0x00FF).bit_count() <= 2 for v in around)


def test_quarter_radii_cover_the_threshold():
    """Were every quarter off by one more than its radius, the hashes would be more than the threshold apart."""
    for d in range(0, 20):
        radii = quarter_radii(d)
        assert sum(r + 1 for r in radii) > d
    assert quarter_radii(12) == [3, 2, 2, 2]
