"""Uploaded logos made safe: only PNG, JPEG or WebP in, a small re-encoded PNG out.

Re-encoding from decoded pixels drops metadata (EXIF, text chunks) and anything appended
to the file; SVG is never accepted because it can carry script.
"""

from __future__ import annotations

import contextlib
import io

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_BYTES = 1024 * 1024
# Refused before decoding: a small file can unpack into a huge bitmap (a decompression bomb).
MAX_PIXELS = 40_000_000
LOGO_BOX = (400, 160)


class ImageRejected(Exception):
    """An upload that is not a logo we accept; ``reason`` says why."""

    TOO_LARGE = "too_large"
    NOT_AN_IMAGE = "not_an_image"
    TOO_MANY_PIXELS = "too_many_pixels"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextlib.contextmanager
def _strict_decoding():
    """Refuse truncated files. WeasyPrint, once imported, tells Pillow process-wide to fill
    truncated images with grey; a logo upload must not depend on whether a PDF was made."""
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def logo_png(data: bytes, *, box: tuple[int, int] = LOGO_BOX) -> bytes:
    """The image scaled down to fit ``box`` (aspect ratio kept, never enlarged), as PNG."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(ImageRejected.TOO_LARGE)
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ImageRejected(ImageRejected.TOO_MANY_PIXELS)
            if img.format == "JPEG":
                img.draft("RGB", (box[0] * 2, box[1] * 2))  # decode a large photo at a fraction
            with _strict_decoding():
                img.load()
            img = ImageOps.exif_transpose(img)
            alpha = "A" in img.getbands() or "transparency" in img.info
            img = img.convert("RGBA" if alpha else "RGB")
            img.thumbnail(box, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            img.save(out, format="PNG", optimize=True)
    # ValueError: a pixel mode Pillow cannot convert; the rest: unreadable or truncated data.
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ImageRejected(ImageRejected.NOT_AN_IMAGE) from exc
    return out.getvalue()
