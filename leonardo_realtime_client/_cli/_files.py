"""Inputs (files, folders, globs, ``-``), output paths, and atomic writes.

Everything that can be found out before a request is sent is checked here, up front, and reported as
one usage error: missing inputs, globs that match nothing, outputs that already exist, two inputs
that would write the same file.
"""

from __future__ import annotations

import errno
import glob
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import attrs
import click

__all__ = [
    "IMAGE_SUFFIXES",
    "OUTPUT_FORMATS",
    "STDIO",
    "Source",
    "check_destinations",
    "check_pillow_for",
    "drop_own_outputs",
    "encode_for",
    "plan_outputs",
    "read_source",
    "resolve_inputs",
    "why_missing",
    "write_atomic",
]

#: What a folder given as input contributes (by suffix, case-insensitive).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})

STDIO = "-"
_MAX_LISTED = 10


@attrs.frozen
class Source:
    """One input: a file, or standard input (``path is None``); ``found`` when a folder or glob brought it in."""

    label: str
    path: Path | None
    found: bool = False

    @property
    def stem(self) -> str:
        return self.path.stem if self.path is not None else "stdin"

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "stdin"


class _Folders:
    """``Path.resolve()`` of folders, each folder resolved once: a batch's hundreds of files share a few folders,
    and each ``resolve()`` walks every component of its path."""

    def __init__(self) -> None:
        self._resolved: dict[Path, Path] = {}

    def entry(self, path: Path) -> Path:
        """``path`` with its folder resolved and its own name kept (``path.resolve()`` unless the name is a symlink)."""
        folder = path.parent
        resolved = self._resolved.get(folder)
        if resolved is None:
            resolved = self._resolved[folder] = folder.resolve()
        return resolved / path.name

    def file(self, path: Path) -> Path:
        """``path.resolve()``: one ``lstat`` of the name, and its folder resolved once per folder."""
        return path.resolve() if path.is_symlink() else self.entry(path)


def _listing(lines: Sequence[str]) -> str:
    shown = [f"  {line}" for line in lines[:_MAX_LISTED]]
    if len(lines) > _MAX_LISTED:
        shown.append(f"  … and {len(lines) - _MAX_LISTED} more")
    return "\n".join(shown)


def _folder_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def resolve_inputs(args: Sequence[str]) -> list[Source]:
    """Files, folders (their images), globs (expanded here too, for quoted patterns) and ``-`` (stdin, once)."""
    sources: list[Source] = []
    seen: set[Path] = set()
    problems: list[str] = []
    stdin_used = False
    folders = _Folders()

    def add(path: Path, *, found: bool = False) -> None:
        key = folders.file(path)
        if key not in seen:
            seen.add(key)
            sources.append(Source(str(path), path, found))

    for arg in args:
        if arg == STDIO:
            if stdin_used:
                problems.append("'-' (standard input) given more than once")
            stdin_used = True
            sources.append(Source("<stdin>", None))
            continue
        path = Path(arg)
        if path.is_file():
            add(path)
        elif path.is_dir():
            images = _folder_images(path)
            if not images:
                problems.append(f"{arg}: folder has no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
            for image in images:
                add(image, found=True)
        elif glob.has_magic(arg):
            matches = sorted(Path(m) for m in glob.glob(arg, recursive=True) if Path(m).is_file())
            if not matches:
                problems.append(f"{arg}: no file matches")
            for match in matches:
                add(match, found=True)
        elif path.exists():
            problems.append(f"{arg}: not a regular file")
        else:
            problems.append(f"{arg}: {why_missing(path)}")
    if problems:
        raise click.UsageError("unusable input:\n" + _listing(problems))
    if not sources:
        raise click.UsageError("no input given: pass image files, folders, globs or '-' for standard input")
    return sources


def drop_own_outputs(
    sources: Sequence[Source], *, commands: Sequence[str], name_templates: Sequence[str]
) -> tuple[list[Source], list[Source]]:
    """Leave out files that a folder or glob brought in but that are this tool's own outputs.

    A found file is left out when it is what another input of the run writes next to itself under one of
    ``name_templates`` for one of ``commands`` (``sketch-refine.jpg`` beside ``sketch.png``): without ``-o`` the
    outputs land next to the inputs, and a rerun over the folder would otherwise send them (and pay for them) as
    new inputs. Files named one by one are always kept. Returns (kept, left out).
    """
    if not any(source.found for source in sources):  # every input named one by one: all kept, nothing to compute
        return list(sources), []
    folders = _Folders()
    own: set[Path] = set()
    for index, source in enumerate(sources, 1):
        if source.path is None:
            continue
        for command in commands:
            for template in name_templates:
                try:
                    own.add(folders.file(source.path.parent / _render_name(template, source, command, index)))
                except click.BadParameter:  # a bad --name is reported where the outputs are planned
                    continue
    kept: list[Source] = []
    left_out: list[Source] = []
    for source in sources:
        mine = source.found and source.path is not None and folders.file(source.path) in own
        (left_out if mine else kept).append(source)
    return kept, left_out


def why_missing(path: Path) -> str:
    """What stands where ``path`` cannot be used: a symlink loop, a dangling symlink, a file in the way …"""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop (the links point at each other, so there is no file behind them)"
        if exc.errno == errno.ENOTDIR:
            return "a file stands where a folder of this path should be"
        if exc.errno == errno.EACCES:
            return "permission denied"
        if exc.errno == errno.ENOENT and path.is_symlink():
            return f"a broken symlink (to {os.readlink(path)}, which does not exist)"
        if exc.errno == errno.ENOENT:
            return "no such file"
        return exc.strerror or type(exc).__name__
    return "not a regular file"


def _probe_folder(folder: Path) -> str | None:
    """Why files cannot be written into ``folder`` (created if missing, as the write would), or ``None``.

    Tried for real rather than judged from permission bits (root ignores them, a read-only file system does
    not show in them): a temporary file is created and removed in the folder, or a temporary folder in the
    nearest existing parent when ``folder`` does not exist yet. Nothing is left behind.
    """
    existing = folder
    while not existing.exists():
        if existing.is_symlink() or existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing}: {why_missing(existing)}" if not existing.exists() else f"{existing} is not a folder"
    try:
        if existing == folder:
            fd, name = tempfile.mkstemp(prefix=".leonardo-realtime-probe-", dir=folder)
            os.close(fd)
            os.unlink(name)
        else:
            os.rmdir(tempfile.mkdtemp(prefix=".leonardo-realtime-probe-", dir=existing))
    except OSError as exc:
        what = "write into" if existing == folder else "create folders in"
        return f"cannot {what} {existing}: {exc.strerror or type(exc).__name__}"
    return None


def check_destinations(targets: Sequence[Path | None]) -> None:
    """Every output folder must be writable (or creatable) before anything is sent: one usage error listing each
    that is not, so a paid answer is never lost to a write that was bound to fail."""
    problems: list[str] = []
    for folder in dict.fromkeys(t.parent for t in targets if t is not None):
        problem = _probe_folder(folder)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise click.UsageError("cannot write the outputs (nothing was sent):\n" + _listing(problems))


def _render_name(template: str, source: Source, command: str, index: int) -> str:
    try:
        name = template.format(stem=source.stem, name=source.name, command=command, index=index)
    except (KeyError, IndexError, ValueError) as exc:
        raise click.BadParameter(
            f"{template!r}: {exc!s}; fields are {{stem}}, {{name}}, {{command}}, {{index}}", param_hint="'--name'"
        ) from None
    if not name or os.sep in name or (os.altsep and os.altsep in name) or name in {".", ".."}:
        raise click.BadParameter(f"{template!r} gives {name!r}, which is not a file name", param_hint="'--name'")
    return name


def plan_outputs(
    sources: Sequence[Source],
    output: str | None,
    *,
    command: str,
    name_template: str,
    overwrite: bool,
    skip_existing: bool,
    stdout_is_tty: bool,
) -> tuple[list[Path | None], list[int]]:
    """The output path of every input (``None`` = standard output) and the indexes to skip (already done).

    ``-o -`` is standard output (one input only); ``-o DIR`` (an existing folder, a path ending in ``/``,
    or any path when there are several inputs) puts every output in that folder; ``-o FILE`` names the
    output of a single input. Without ``-o`` each output goes next to its input, and standard input goes
    to standard output (unless that is a terminal).
    """
    many = len(sources) > 1
    targets: list[Path | None] = []
    if output == STDIO:
        if many:
            raise click.BadParameter(
                f"standard output takes one image; there are {len(sources)} inputs (give a folder)",
                param_hint="'-o'",
            )
        return [None], []
    if output is not None:
        out = Path(output)
        as_folder = many or out.is_dir() or output.endswith(("/", os.sep))
        if as_folder and out.exists() and not out.is_dir():
            raise click.BadParameter(
                f"{output}: there are {len(sources)} inputs, so this must be a folder", param_hint="'-o'"
            )
        if many and not out.exists() and out.suffix.lower() in IMAGE_SUFFIXES:
            raise click.BadParameter(
                f"{output} looks like one file, but there are {len(sources)} inputs (give a folder)", param_hint="'-o'"
            )
        for index, source in enumerate(sources, 1):
            targets.append(out / _render_name(name_template, source, command, index) if as_folder else out)
    else:
        for index, source in enumerate(sources, 1):
            if source.path is None:
                if stdout_is_tty:
                    raise click.UsageError("refusing to write an image to the terminal: redirect it or use -o")
                targets.append(None)
            else:
                targets.append(source.path.parent / _render_name(name_template, source, command, index))

    by_target: dict[Path, list[str]] = {}
    folders = _Folders()
    for source, target in zip(sources, targets, strict=True):
        if target is not None:
            by_target.setdefault(_resolved_output(target, folders), []).append(source.label)
    clashes = [f"{', '.join(labels)} → {path}" for path, labels in by_target.items() if len(labels) > 1]
    if clashes:
        raise click.UsageError(
            "several inputs would write the same output (use --name with {index} or {name}):\n" + _listing(clashes)
        )

    skip: list[int] = []
    if not overwrite:
        existing = [i for i, t in enumerate(targets) if t is not None and os.path.lexists(t)]
        if skip_existing:
            skip = existing
        elif existing:
            listed = [str(targets[i]) for i in existing]
            raise click.UsageError(
                "output exists (use --overwrite to replace, --skip-existing to leave it):\n" + _listing(listed)
            )
    return targets, skip


def _resolved_output(target: Path, folders: _Folders) -> Path:
    """``target`` resolved, or a usage error saying what stands there: an output path through a symlink loop made
    ``Path.resolve`` raise ``RuntimeError`` (Python 3.11) or ``OSError`` (3.13), a traceback before anything ran."""
    try:
        return folders.file(target)
    except (RuntimeError, OSError):
        raise click.BadParameter(f"{target}: {why_missing(target)}; nothing was sent", param_hint="'-o'") from None


def read_source(source: Source, stdin_data: bytes | None) -> bytes:
    if source.path is None:
        assert stdin_data is not None
        return stdin_data
    return source.path.read_bytes()


#: Output suffix → the image format written (the API returns JPEG; others are transcoded with Pillow).
OUTPUT_FORMATS = {
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".webp": "webp",
    ".bmp": "bmp",
    ".gif": "gif",
    ".tif": "tiff",
    ".tiff": "tiff",
}


def needs_transcoding(targets: Sequence[Path | None]) -> list[Path]:
    """Targets whose suffix asks for another format than the JPEG the API returns."""
    return [t for t in targets if t is not None and OUTPUT_FORMATS.get(t.suffix.lower(), "jpeg") != "jpeg"]


def check_pillow_for(targets: Sequence[Path | None]) -> None:
    """Fail up front when an output suffix needs Pillow and it is not installed."""
    converted = needs_transcoding(targets)
    if not converted:
        return
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise click.UsageError(
            f"writing {converted[0].suffix} files needs Pillow: pip install 'leonardo-realtime-client[pillow]' "
            "(or name the outputs .jpg)"
        ) from None


def encode_for(path: Path, data: bytes) -> bytes:
    """``data`` in the format ``path``'s suffix asks for (unchanged when it already is, or the suffix is unknown)."""
    from .._images import sniff_format

    wanted = OUTPUT_FORMATS.get(path.suffix.lower())
    if wanted is None or sniff_format(data) == wanted:
        return data
    import io

    from PIL import Image

    from .._errors import APIResponseError
    from .._images import MAX_IMAGE_PIXELS
    from .._result import corrupt_exif_ignored

    try:
        with corrupt_exif_ignored(), Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError(f"{im.width}x{im.height} is more than {MAX_IMAGE_PIXELS:,} pixels")
            out = io.BytesIO()
            image = im.convert("RGB") if wanted in ("bmp", "jpeg") and im.mode not in ("RGB", "L") else im
            image.save(out, format=wanted.upper())
            return out.getvalue()
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow's own errors about the returned image (not about our file: nothing is written yet)
        raise APIResponseError(
            f"the returned image cannot be written as {path.suffix}: {type(exc).__name__}: {exc}"
        ) from exc


#: ``os.open`` flags of a temporary output: created here or not at all (``O_EXCL`` also refuses a symlink planted
#: under its name), not inherited by child processes, binary on Windows.
_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new file beside ``path`` (``.NAME.RANDOM.part``), open for writing; the folder is made if it is missing.

    Mode ``0o666`` less the umask, as any new file (the kernel applies the umask; no ``chmod`` afterwards).
    """
    folder = os.fspath(path.parent)
    made_folder = False
    for _ in range(100):
        name = os.path.join(folder, f".{path.name}.{os.urandom(6).hex()}.part")
        try:
            return os.open(name, _TEMPORARY_FLAGS, 0o666), name
        except FileExistsError:  # a name already taken (12 random hex digits: practically never)
            continue
        except FileNotFoundError:  # the folder is missing: the first output of a new -o folder
            if made_folder or os.path.isdir(folder):
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
            made_folder = True
    raise FileExistsError(f"{path}: no free name for a temporary file in {folder}")


def write_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then link (or rename) it into place.

    The file appears whole or not at all: no reader ever sees part of it, and an interrupt (Ctrl-C, SIGTERM, the
    process killed) leaves no half-written image, only nothing or the whole file. Without ``overwrite`` an existing
    file (even one that appeared meanwhile) is never replaced: ``FileExistsError``. A missing folder is created.

    Not ``fsync``'d: what is promised holds for the processes of a running system (the kernel keeps what was
    written); a power cut or kernel crash right after a write can still lose it, as with ``cp``, ``curl -o`` or
    rsync's default temporary-file-then-rename (``benchmarks/NOTES.md``, issue 13). Per output: one ``open``,
    ``write`` (more only for a partial write), ``close``, ``link`` and ``unlink`` (``rename`` with ``overwrite``).
    """
    fd, tmp = _create_temporary(path)
    placed = False
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
            placed = True
            return
        try:
            os.link(tmp, path)  # atomic and never clobbers: FileExistsError if the name is taken
        except FileExistsError:
            raise FileExistsError(f"{path}: exists (use --overwrite to replace it)") from None
        except OSError:  # no hard links on this file system: check, then rename
            if path.exists():
                raise FileExistsError(f"{path}: exists (use --overwrite to replace it)") from None
            os.replace(tmp, path)
            placed = True
    finally:
        if not placed:
            os.unlink(tmp)
