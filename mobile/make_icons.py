"""Draw the app icons (a house with a magnifying glass) with Pillow: python mobile/make_icons.py"""
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).parent / "static" / "mobile"
BLUE, WHITE, GREEN = (31, 78, 121), (255, 255, 255), (26, 150, 65)


def icon(size):
    scale = size / 512
    img = Image.new("RGB", (size, size), BLUE)
    d = ImageDraw.Draw(img)

    def s(*xy):
        return [v * scale for v in xy]

    d.polygon(s(96, 250, 256, 110, 416, 250), fill=WHITE)  # roof
    d.rectangle(s(136, 240, 376, 400), fill=WHITE)  # walls
    d.rectangle(s(226, 300, 286, 400), fill=BLUE)  # door
    d.ellipse(s(286, 286, 430, 430), outline=GREEN, width=round(26 * scale))  # lens
    d.line(s(412, 412, 470, 470), fill=GREEN, width=round(34 * scale))  # handle
    return img


if __name__ == "__main__":
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
