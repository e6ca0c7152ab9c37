"""Images in: turn what a caller has into the ``data:image/jpeg;base64,…`` strings the API takes.

Accepted inputs (:data:`ImageInput`): ``bytes``/``bytearray``/``memoryview`` holding an encoded image, a
``str`` or :class:`os.PathLike` naming a file, a binary file object (read from its current position), a
``PIL.Image.Image`` (when Pillow is installed) and an existing data URL (a ``str`` starting with ``data:``).

Rules, in the order they are applied:

* **Caps first.** More than :data:`MAX_IMAGE_BYTES` of encoded data, more than :data:`MAX_IMAGE_PIXELS`
  pixels or a side beyond :data:`MAX_IMAGE_SIDE` is refused before anything is decoded or encoded. Pixel
  counts of JPEG, PNG, GIF, BMP and WebP come from the file header, read here without Pillow.
* **The bytes decide, not the label.** The format is sniffed from the magic bytes (:func:`sniff_format`). A
  data URL whose declared type disagrees with its bytes, bad base64 or bytes that are no image raise
  :class:`~leonardo_realtime_client.ImageError`; a payload whose label lies is never sent.
* **Every input is sent as it is displayed.** A phone stores a portrait photo as a landscape sensor image plus
  an EXIF ``Orientation``; every viewer shows it turned, and so is it sent: turned upright, whatever its format
  (JPEG included), with :func:`image_size` giving the displayed size and masks checked against it.
* **A JPEG goes out as it is** when it has no orientation to apply (none, or 1): byte-identical, never decoded
  or re-encoded, Pillow is not even imported (its header and EXIF block are read here). A data URL that is
  already ``data:image/jpeg;base64,<valid JPEG>`` is returned as the very same string. A JPEG whose
  orientation turns or mirrors it (2-8) is decoded, turned upright and re-encoded at :data:`JPEG_QUALITY`.
* **Everything else is transcoded to JPEG with Pillow** (imported lazily, only opened with the sniffed
  format's plugin). Transparency is composited on **white** (what a viewer shows for a transparent
  picture); palette, 1-bit, 16-bit, CMYK (through its ICC profile when it has one) and other modes are
  converted to RGB or grayscale; an EXIF orientation is applied, because the new JPEG carries no EXIF; an
  ICC profile is kept; animated images give their first frame. Quality :data:`JPEG_QUALITY`.
* **Masks** (:func:`mask_data_url`) are white on black, white = the area to generate. Grayscale, RGB, 1-bit
  and palette masks are converted to grayscale. A mask with an alpha channel (RGBA/LA, palette with
  transparency) uses its **alpha only when the alpha carries the shape and the colours do not** (opaque =
  generate); a channel whose minority side is under 1 % of the pixels carries no shape, so stray transparent
  pixels or alpha 254 everywhere cannot flip it; when both carry shapes that disagree an ``ImageError`` asks
  the caller to choose (``alpha=True``/``alpha=False``). The result is a grayscale JPEG (the API's documented
  prefix is ``data:image/jpeg``); a JPEG mask goes out unchanged. A ``size`` argument (the image's displayed
  width and height) is checked against the mask's.

The parts, one reason to change each: ``_headers`` (sniffing and header sizes, no Pillow), ``_exif``
(orientation, no Pillow), ``_reading`` (bytes, paths, file objects, data URLs in), ``_data_urls`` (``data:``
URLs out and back), ``_transcode`` (JPEG out, orientation, modes), ``_masks`` (mask rules), ``_pil`` (the one
lazy way into Pillow) and ``_common`` (limits and the format table).

Every failure raises :class:`~leonardo_realtime_client.ImageError` naming the field, the value given (whole
on ``.violations[0].value``, shortened in the message) and what is allowed.
"""

from __future__ import annotations

from ._common import _JPEG_PREFIX as JPEG_DATA_URL_PREFIX
from ._common import (
    JPEG_QUALITY,
    MASK_JPEG_QUALITY,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    ImageInput,
)
from ._data_urls import decode_data_url, encode_data_url
from ._headers import image_size, sniff_format
from ._masks import mask_data_url
from ._transcode import image_data_url, jpeg_for_request, to_jpeg_bytes

__all__ = [
    "JPEG_DATA_URL_PREFIX",
    "JPEG_QUALITY",
    "MASK_JPEG_QUALITY",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "ImageInput",
    "decode_data_url",
    "encode_data_url",
    "image_data_url",
    "image_size",
    "jpeg_for_request",
    "mask_data_url",
    "sniff_format",
    "to_jpeg_bytes",
]
