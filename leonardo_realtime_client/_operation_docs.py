"""The docstring sections the four operations share, written once and composed into each method's ``__doc__``.

One reason to change: the wording of what ``help(RealtimeCanvas.generate)`` (and its three siblings, sync and async)
shows. Each method's own docstring holds its summary and the arguments only it has; :func:`operation_doc` adds the
shared arguments in signature order, then the Returns and Raises sections, and gives the method the signature with
its ``**options`` written out (``_operation_options``). ``make docs`` reads the composed text and that signature
(``scripts/griffe_sphinx_roles.py`` takes a function's runtime ``__doc__`` and ``__signature__``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from ._operation_options import expanded_signature

__all__ = ["operation_doc"]

F = TypeVar("F", bound=Callable[..., Any])

_SHARED_ARGS = """
    guidance: How strongly the generation should reflect the prompt: a number from 0.5 to 20.
    strength: Creativity strength; higher deviates more from the input image: a number from 0.1 to 1.
    steps: The number of steps to use for the generation: an integer from 4 to 16.
    width: The output width: one of 512, 640, 1024 (server default 512).
    height: The output height: one of 512, 640, 1024 (server default 512).
    seed: A fixed seed keeps results consistent across generations: an integer ≤ 9999999998.
    style: The style, an :class:`LcmGenerationStyle` or its name: one of ANIME, CINEMATIC, DIGITAL_ART,
        DYNAMIC, ENVIRONMENT, FANTASY_ART, ILLUSTRATION, PHOTOGRAPHY, RENDER_3D, RAYTRACED, SKETCH_BW,
        SKETCH_COLOR, VIBRANT, NONE.
    request_timestamp: Any string; echoed in ``result.request_timestamp`` to match answers to requests.
    timeout: For this call only (``None``: the client's); bounds each attempt as a whole.
    total_timeout: Seconds for the whole call, retries included (``None``: the client's).
    max_retries: For this call only (``None``: the client's).
"""

_RETURNS = """
    A :class:`RealtimeResult`: ``image`` (the first output, JPEG bytes), ``images``, ``cost`` (a ``Decimal``)
    with ``cost_unit``, ``request_timestamp``"""

_RAISES = """
    ValidationError: An argument breaks the spec's limits: every problem in one error, before any I/O.
    ImageError: The image cannot be used: not an image, over 20 MiB or 16.7 MP.
    ConfigurationError: No API key (``api_key=`` or ``$LEONARDO_API_KEY``), or the client is closed.
    APIStatusError: The API answered an error status after the retries, as its subclass for that status:
        ``AuthenticationError`` (401), ``RateLimitError`` (429), ``InternalServerError`` (5xx) …
    APITimeoutError: No answer within ``timeout``, after the retries.
    APIConnectionError: The API could not be reached (refused, DNS, TLS), after the retries.
    APIResponseError: A 2xx answer that does not have the documented shape.
"""

# What one operation says beyond the shared text: more in Returns, or a Raises entry in its own words.
_RETURNS_ALSO = {
    "upscale": "; upscale adds ``generation_ids``, ``variation_ids`` and\n    ``generated_image_id``",
}
_RAISES_OWN = {
    "inpaint": {
        "ImageError": "The image or mask cannot be used: not an image, over 20 MiB or 16.7 MP, or a mask of "
        "another\n        size than the image.",
    },
}

_ENTRY = re.compile(r"^    (\w+):", re.M)


def _entries(section: str) -> dict[str, str]:
    """A Google-style section's entries by name, each with its continuation lines."""
    starts = list(_ENTRY.finditer(section))
    ends = [match.start() for match in starts[1:]] + [len(section)] * bool(starts)
    return {match[1]: section[match.start() : end].rstrip() for match, end in zip(starts, ends, strict=True)}


def operation_doc(operation: str) -> Callable[[F], F]:
    """Complete the method for ``operation`` (``"generate"``, ``"refine"``, ``"inpaint"`` or ``"upscale"``): its
    ``__signature__`` with ``**options`` written out (:func:`~._operation_options.expanded_signature`), and its
    docstring: its own Args entries and the shared ones in signature order, then the note on options left at
    ``None``, Returns and Raises. A signature parameter documented nowhere is a ``TypeError`` at import."""

    def decorate(method: F) -> F:
        head, _, own = inspect.cleandoc(method.__doc__ or "").partition("\nArgs:\n")
        head = head.rstrip()
        documented = _entries(_SHARED_ARGS) | _entries("\n" + own)
        signature = expanded_signature(method, operation)
        method.__signature__ = signature  # type: ignore[attr-defined]  # what help() and inspect show
        method.__annotations__ = {
            **{p.name: p.annotation for p in signature.parameters.values() if p.annotation is not p.empty},
            "return": signature.return_annotation,
        }
        params = [name for name in signature.parameters if name != "self"]
        missing = [name for name in params if name not in documented]
        if missing:
            raise TypeError(f"{method.__qualname__}: no docstring entry for {', '.join(missing)}")
        own_raises = _RAISES_OWN.get(operation, {})
        raised = _entries(_RAISES) | {name: f"    {name}: {text}" for name, text in own_raises.items()}
        method.__doc__ = "\n".join(
            [
                head,
                "",
                "Args:",
                *(documented[name] for name in params),
                "",
                "Options left at ``None`` are not sent; the server applies its defaults.",
                "",
                "Returns:" + _RETURNS + _RETURNS_ALSO.get(operation, "") + ".",
                "",
                "Raises:",
                *raised.values(),
            ]
        )
        return method

    return decorate
