"""The picture check of the browser test: a chart area left blank in the screenshot is reported."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from .browser import blank_in_picture


def _picture(path: Path) -> Path:
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(10, 140), (80, 40), (150, 120), (190, 20)], fill=(32, 167, 201), width=3)  # a drawn trend
    draw.rectangle((210, 10, 390, 140), fill=(245, 245, 245))  # a grey placeholder, nothing drawn on it
    image.save(path)
    return path


def test_a_drawn_chart_passes_and_a_blank_or_missing_one_is_reported(tmp_path: Path) -> None:
    picture = _picture(tmp_path / "dashboard.png")
    bodies = {
        "trend": (0, 0, 200, 150),
        "placeholder": (210, 10, 390, 140),
        "below the picture": (0, 200, 200, 420),
    }
    assert blank_in_picture(picture, bodies) == ["placeholder", "below the picture"]


def test_the_threshold_is_the_share_of_pixels_off_the_background(tmp_path: Path) -> None:
    image = Image.new("RGB", (100, 100), "white")
    ImageDraw.Draw(image).rectangle((0, 0, 9, 9), fill="black")  # 1% of the area
    image.save(tmp_path / "one_percent.png")
    assert blank_in_picture(tmp_path / "one_percent.png", {"chart": (0, 0, 100, 100)}, least=0.005) == []
    assert blank_in_picture(tmp_path / "one_percent.png", {"chart": (0, 0, 100, 100)}, least=0.02) == ["chart"]
