"""Photos: from an uploaded file to the renditions readers are served, and back to markup.

An upload is read and checked whole in memory before anything is written: a file that is not
an image, is cut short or is too large leaves nothing in storage. What is served is re-encoded
pixels only (orientation applied first), so no EXIF, GPS, XMP or camera data survives; the
original is not kept. File names carry a hash of their bytes: a URL never changes content, and
caches may keep it forever.
"""

import hashlib
import io
import math
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

WIDTHS = (320, 640, 1024, 1600)  # a phone's column to a desktop's lightbox
FALLBACK_WIDTH = 1024  # the JPEG for browsers without WebP
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # MPO: the JPEG of phones with two cameras
IMMUTABLE = "public, max-age=31536000, immutable"

# Pillow's own guard would stop at twice its limit with a warning below that; ours is exact.
Image.MAX_IMAGE_PIXELS = None


class MediaRejected(Exception):
    """A file that cannot become a photo, with the reason in the uploader's words."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Rendition:
    width: int
    height: int
    data: bytes
    extension: str

    def name(self, folder: str) -> str:
        digest = hashlib.sha256(self.data).hexdigest()[:20]
        return f"{folder}/{digest}-{self.width}.{self.extension}"


@dataclass
class Photo:
    """The renditions of one upload, in memory until stored."""

    width: int
    height: int
    renditions: list[Rendition] = field(default_factory=list)
    fallback: Rendition | None = None


def too_big_message(size: int) -> str:
    limit = settings.LIVEBLOG_MEDIA_MAX_BYTES
    return f"The file is {_megabytes(size)} MB; photos may be up to {_megabytes(limit)} MB."


def _megabytes(size: int) -> str:
    value = size / 1e6
    return f"{value:.1f}".removesuffix(".0") if value >= 1 else f"{value:.2g}"


def _sniffed(head: bytes) -> str | None:
    """What a file that Pillow cannot open is, when it is something people often mistake."""
    text = head.lstrip().lower()
    if text.startswith(b"%pdf"):
        return "This file is a PDF, not a photo. Export the page as a JPEG or PNG first."
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "SVG drawings are refused: they can carry scripts. Export the picture as PNG or JPEG."
    if text[4:12] in {b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"}:
        return "HEIC photos cannot be read yet: set the phone's camera to “Most compatible” (JPEG)."
    return None


def _opened(file: IO[bytes]) -> Image.Image:
    head = file.read(512)
    file.seek(0)
    try:
        image = Image.open(file)
    except (UnidentifiedImageError, OSError):
        raise MediaRejected(
            _sniffed(head) or "This file is not an image Liveblog can read: send a JPEG, PNG, WebP or GIF."
        ) from None
    if image.format not in FORMATS:
        raise MediaRejected(f"{image.format} images are not taken: send a JPEG, PNG, WebP or GIF.")
    width, height = image.size
    limit = settings.LIVEBLOG_MEDIA_MAX_PIXELS
    if width * height > limit:
        raise MediaRejected(
            f"The image is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {limit / 1e6:.0f} megapixels. Send a smaller version."
        )
    return image


def _decoded(image: Image.Image) -> Image.Image:
    """The pixels, upright and in sRGB. A GIF gives its first frame: readers get a still."""
    # A JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers the widest rendition:
    # a phone's 12 megapixels in a quarter of the time.
    turned = image.getexif().get(ExifTags.Base.Orientation) in {5, 6, 7, 8}  # upright, W and H swap
    shown_width = image.height if turned else image.width
    if shown_width > WIDTHS[-1]:
        ratio = WIDTHS[-1] / shown_width
        image.draft("RGB", (math.ceil(image.width * ratio), math.ceil(image.height * ratio)))
    try:
        image.seek(0)
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise MediaRejected("The image is damaged or cut short: upload the whole file again.") from None
    upright = ImageOps.exif_transpose(image) or image
    profile = image.info.get("icc_profile")
    rgb = upright.convert("RGBA" if _has_alpha(upright) else "RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            rgb = ImageCms.profileToProfile(rgb, source, ImageCms.createProfile("sRGB")) or rgb
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: the pixels as they are
    return rgb


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)


def _encoded(image: Image.Image, width: int, fmt: str) -> Rendition:
    height = max(1, round(image.height * width / image.width))
    resized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
    resized.info = {}  # nothing of the original's metadata goes out with the pixels
    out = io.BytesIO()
    if fmt == "WEBP":
        resized.save(out, "WEBP", quality=80, method=4)
    else:
        if resized.mode == "RGBA":
            flat = Image.new("RGB", resized.size, "white")
            flat.paste(resized, mask=resized.getchannel("A"))
            resized = flat
        resized.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return Rendition(width, height, out.getvalue(), "webp" if fmt == "WEBP" else "jpg")


def process(file: IO[bytes], size: int) -> Photo:
    """Check an uploaded file and make its renditions: WebP at each width up to the image's
    own (never enlarged), and one JPEG. Raises MediaRejected, saying why, for anything else."""
    if size > settings.LIVEBLOG_MEDIA_MAX_BYTES:
        raise MediaRejected(too_big_message(size), status=413)
    if size == 0:
        raise MediaRejected("The file is empty.")
    pixels = _decoded(_opened(file))
    widest = min(pixels.width, WIDTHS[-1])
    widths = [w for w in WIDTHS if w < widest] + [widest]
    photo = Photo(width=widest, height=max(1, round(pixels.height * widest / pixels.width)))
    photo.renditions = [_encoded(pixels, width, "WEBP") for width in widths]
    photo.fallback = _encoded(pixels, min(widest, FALLBACK_WIDTH), "JPEG")
    return photo


def store(photo: Photo, *, folder: str) -> tuple[list[dict[str, Any]], str]:
    """Write the renditions; their descriptions and the fallback's name. A failure part way
    removes what this call wrote, so nothing half-written stays."""
    assert photo.fallback is not None
    written: list[str] = []
    try:
        described = [
            {"width": r.width, "height": r.height, "name": _write(r, folder, written)}
            for r in photo.renditions
        ]
        return described, _write(photo.fallback, folder, written)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise


def _write(rendition: Rendition, folder: str, written: list[str]) -> str:
    # Each upload has a folder of its own: a photo's files are removed with it alone.
    saved = default_storage.save(rendition.name(folder), ContentFile(rendition.data))
    written.append(saved)
    return saved


def remove(names: list[str]) -> None:
    """Take files out of storage: a photo nobody publishes any more is served to nobody."""
    for name in names:
        default_storage.delete(name)


def payload(media) -> dict[str, Any]:
    """A photo as the API, the frames and the entry payload carry it."""
    return {
        "id": media.pk,
        "type": media.type,
        "alt": media.alt,
        "caption": media.caption,
        "credit": media.credit,
        "width": media.width,
        "height": media.height,
        "src": media.src,
        "srcset": media.srcset,
    }
