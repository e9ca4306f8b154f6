"""Draws the bundled sample images (see ``ingest/samples/__init__.py``); deterministic, Pillow only.

The portrait is a drawn head-and-shoulders figure in front of a backdrop, sized and coloured
like a booth photo (1200 x 1600, a face in the upper middle, skin, hair and clothing tones), so
image-editing models treat it as a portrait. It was made for PhotoChanger and carries no licence
restrictions.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from ingest.samples import SAMPLE_FRAME, SAMPLE_PORTRAIT

WIDTH, HEIGHT = 1200, 1600


def _backdrop() -> Image.Image:
    """A studio backdrop: a vertical blue-grey gradient with a soft light behind the head."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        t = y / HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=(int(96 - 40 * t), int(120 - 44 * t), int(150 - 40 * t)))
    glow = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(glow).ellipse([250, 150, 950, 950], fill=120)
    glow = glow.filter(ImageFilter.GaussianBlur(160))
    return Image.composite(Image.new("RGB", (WIDTH, HEIGHT), (205, 215, 225)), image, glow)


def portrait() -> Image.Image:
    image = _backdrop()
    draw = ImageDraw.Draw(image)
    skin, skin_shade, hair = (233, 190, 160), (214, 165, 135), (70, 45, 30)
    # Shoulders and a jacket with a shirt collar.
    draw.ellipse([170, 1120, 1030, 1900], fill=(40, 52, 80))
    draw.polygon([(600, 1140), (500, 1160), (600, 1400), (700, 1160)], fill=(245, 245, 240))
    draw.rectangle([530, 960, 670, 1170], fill=skin_shade)  # neck
    # Hair behind the head, the face, the ears, hair on top.
    draw.ellipse([355, 330, 845, 900], fill=hair)
    draw.ellipse([395, 400, 805, 1030], fill=skin)
    draw.ellipse([370, 640, 430, 780], fill=skin_shade)
    draw.ellipse([770, 640, 830, 780], fill=skin_shade)
    draw.chord([375, 340, 825, 700], start=180, end=360, fill=hair)
    draw.polygon([(390, 560), (470, 430), (620, 410), (760, 450), (815, 560), (700, 500), (520, 500)], fill=hair)
    # Eyes, brows, nose, mouth, cheeks.
    for x in (510, 690):
        draw.ellipse([x - 45, 660, x + 45, 710], fill=(250, 250, 250))
        draw.ellipse([x - 20, 662, x + 20, 708], fill=(80, 110, 70))
        draw.ellipse([x - 9, 675, x + 9, 695], fill=(20, 20, 20))
        draw.arc([x - 55, 610, x + 55, 660], start=200, end=340, fill=hair, width=12)
    draw.line([(600, 700), (585, 820), (615, 830)], fill=skin_shade, width=8)
    draw.chord([520, 850, 680, 930], start=0, end=180, fill=(170, 70, 80))
    draw.line([(525, 880), (675, 880)], fill=(150, 60, 70), width=4)
    for x in (470, 730):
        draw.ellipse([x - 40, 790, x + 40, 840], fill=(240, 175, 160))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def frame() -> Image.Image:
    """A gold frame with a transparent window, for the quick start's ``overlay`` slot."""
    image = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for inset, colour in ((0, (150, 110, 30, 255)), (18, (212, 175, 55, 255)), (52, (150, 110, 30, 255))):
        draw.rectangle([inset, inset, WIDTH - 1 - inset, HEIGHT - 1 - inset], outline=colour, width=40 - inset // 3)
    draw.rectangle([0, HEIGHT - 180, WIDTH, HEIGHT], fill=(150, 110, 30, 230))
    draw.text((WIDTH // 2, HEIGHT - 90), "PhotoChanger", fill=(255, 245, 210, 255), anchor="mm", font_size=72)
    return image


def main() -> None:
    portrait().save(SAMPLE_PORTRAIT, "JPEG", quality=88, optimize=True)
    frame().save(SAMPLE_FRAME, "PNG", optimize=True)
    print(f"wrote {SAMPLE_PORTRAIT} and {SAMPLE_FRAME}")


if __name__ == "__main__":
    main()
