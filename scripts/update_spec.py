"""Adopt a new version of the spec: ``make update-spec SPEC=<path or URL>``.

1. Read the new spec: an ``http(s)://`` URL is fetched with httpx (redirects followed), anything else is a
   path (or ``file://`` URL) read byte for byte. It must be an OpenAPI 3 document with ``paths``, in JSON or
   YAML. JSON is vendored byte for byte; YAML is converted to JSON (the vendored file stays JSON) and the
   provenance says so, with the sha256 and size of the YAML bytes it was converted from.
2. Generate the client from it into a temporary folder (scripts/generate.py), compare the generated
   public names with the committed tree's, and run the contract check (scripts/contract_check.py): the
   hand-written layer, with the new tree as its generated core, must import, resolve its operations
   table, and make one valid call per operation through the client and the in-process local server.
   If any of that fails, nothing is replaced -- the vendored spec, ``openapi/PROVENANCE.json`` and
   ``_generated/`` stay exactly as they were -- and the error is shown (exit 1).
3. Replace the vendored spec, record provenance (where it comes from, date, sha256, bytes, the sha256 it
   replaced, whether it was converted) and install the new tree. ``--source URL`` records the upstream
   location when the file given is a local copy of it (otherwise a temporary path would be recorded).
   If any of these steps fails, all three are restored.
4. Print which generated files changed and the semantic changelog of the API surface
   (scripts/spec_changelog.py: every change marked BREAKING or non-breaking).

``--dry-run`` does steps 1, 2 and 4 and replaces nothing.

Usage: python scripts/update_spec.py SPEC [--source URL] [--dry-run] [--spec-path P] [--provenance P] [--generated DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import contract_check
import spec_changelog
from changelog_generated import names_changes
from check_drift import compare_trees
from generate import GenerationError, generate
from spec_tools import (
    GENERATED_DIR,
    PROVENANCE_PATH,
    ROOT,
    SPEC_PATH,
    Spec,
    SpecFormat,
    check_keyword_types,
    parse_document,
    to_json_bytes,
)

if TYPE_CHECKING:
    import httpx

MAX_SPEC_BYTES = 20 * 1024 * 1024
check_contract = contract_check.check  # the step tests replace when they stand in for generation
FETCH_TIMEOUT = 60.0


class UpdateError(Exception):
    """The new spec could not be read or adopted; nothing was replaced."""


@dataclass(frozen=True)
class UpdateResult:
    source: str
    old_sha256: str | None
    new_sha256: str
    old_bytes: int | None
    new_bytes: int
    files: tuple[str, ...]  # "changed: x.py", "added: y.py", "removed: z.py" (relative to the generated dir)
    changelog: spec_changelog.Changelog
    adopted: bool  # False for --dry-run and for an identical spec
    converted: bool = False  # the source was YAML, vendored as JSON


def _is_url(source: str) -> bool:
    return urlsplit(source).scheme in {"http", "https"}


def fetch(source: str, *, transport: httpx.BaseTransport | None = None, timeout: float = FETCH_TIMEOUT) -> bytes:
    """The raw bytes at ``source`` (URL or path), unchanged."""
    scheme = urlsplit(source).scheme
    if scheme in {"http", "https"}:
        import httpx

        try:
            with httpx.Client(transport=transport, follow_redirects=True, timeout=timeout) as client:
                response = client.get(source)
        except httpx.HTTPError as exc:
            raise UpdateError(f"{source}: cannot fetch: {exc}") from exc
        if response.status_code != 200:
            raise UpdateError(f"{source}: HTTP {response.status_code} {response.reason_phrase} (expected 200)")
        data = response.content
    elif scheme == "file":
        data = _read_path(Path(url2pathname(urlsplit(source).path)), source)
    elif len(scheme) > 1:  # "C:" is a drive letter, anything longer a scheme
        raise UpdateError(f"{source}: unsupported URL scheme {scheme!r}; use http(s)://, file:// or a path")
    else:
        data = _read_path(Path(source), source)
    if len(data) > MAX_SPEC_BYTES:
        raise UpdateError(f"{source}: {len(data)} bytes, more than the {MAX_SPEC_BYTES} a spec may have")
    return data


def _read_path(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UpdateError(f"{source}: cannot read: {exc.strerror or exc}") from exc


def parse_spec(data: bytes, source: str) -> Spec:
    """``data`` (JSON or YAML) as an OpenAPI 3 document, or an :class:`UpdateError` saying what is wrong with it."""
    return _parse(data, source)[0]


def _parse(data: bytes, source: str) -> tuple[Spec, SpecFormat]:
    try:
        spec, fmt = parse_document(data, source)
    except ValueError as exc:
        raise UpdateError(str(exc)) from exc
    if not isinstance(spec, dict):
        kind = "JSON" if fmt == "json" else "YAML"
        raise UpdateError(f"{source}: a {kind} {type(spec).__name__}, expected an OpenAPI document (an object)")
    version = spec.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise UpdateError(f"{source}: 'openapi' is {version!r}, expected an OpenAPI 3.x version such as '3.0.0'")
    if not isinstance(spec.get("paths"), dict) or not spec["paths"]:
        raise UpdateError(f"{source}: no operations ('paths' is missing or empty)")
    try:
        check_keyword_types(spec, source)  # named by the file given, not the temporary copy generation reads
    except ValueError as exc:
        raise UpdateError(str(exc)) from exc
    return spec, fmt


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _replace_tree(source: Path | None, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    if source is not None:
        shutil.copytree(source, target)


def _display(path: Path) -> str:
    absolute = path.absolute()
    return absolute.relative_to(ROOT).as_posix() if absolute.is_relative_to(ROOT) else str(path)


def new_provenance(
    old: dict[str, Any],
    *,
    source: str,
    spec_name: str,
    data: bytes,
    today: date,
    old_sha256: str | None,
    converted_from: bytes | None = None,
) -> dict[str, Any]:
    """The provenance record for ``data`` adopted from ``source``; unrelated keys of ``old`` are kept.

    ``source`` is the upstream location when known (an ``http(s)`` URL becomes ``upstream.url``).
    ``converted_from`` holds the YAML bytes ``data`` was converted from, recorded by hash and size.
    """
    converted = converted_from is not None
    record: dict[str, Any] = {
        "file": spec_name,
        "sha256": _sha256(data),
        "bytes": len(data),
        "upstream": {"url": source} if _is_url(source) else None,
        "vendored_from": source,
        "vendored_on": today.isoformat(),
        "previous_sha256": old_sha256,
        "converted": None,
        "note": (
            "Converted from YAML at vendored_from to JSON (same data, not the same bytes): see 'converted'. "
            if converted
            else "Byte-identical to vendored_from. "
        )
        + "Never corrected by hand: corrections happen in pipeline steps (scripts/). "
        "Update with `make update-spec SPEC=<path or URL> [SOURCE=<upstream URL>]`.",
    }
    if converted_from is not None:
        record["converted"] = {
            "from": "YAML",
            "source_sha256": _sha256(converted_from),
            "source_bytes": len(converted_from),
            "how": "parsed as YAML 1.2 (ruamel.yaml, safe) and written as JSON with a 2-space indent "
            "by scripts/update_spec.py",
        }
    merged = {**old, **record}
    for key in ("upstream", "converted"):  # a stale upstream or conversion no longer describes these bytes
        if merged[key] is None:
            del merged[key]
    return merged


def update_spec(
    source: str,
    *,
    spec_path: Path = SPEC_PATH,
    provenance_path: Path = PROVENANCE_PATH,
    generated_dir: Path = GENERATED_DIR,
    today: date | None = None,
    transport: httpx.BaseTransport | None = None,
    dry_run: bool = False,
    upstream: str | None = None,
) -> UpdateResult:
    """Adopt the spec at ``source``; raises :class:`UpdateError` (nothing replaced) when it cannot.

    ``upstream`` is where the file at ``source`` comes from (recorded in the provenance instead of ``source``).
    """
    if not _is_url(source) and Path(source).resolve() == spec_path.resolve():
        raise UpdateError(
            f"{source} is the vendored spec itself; it is never edited in place. Put the new spec elsewhere "
            "and pass that path (or restore this one with `git checkout -- openapi/`)"
        )
    raw = fetch(source, transport=transport)
    new_spec, fmt = _parse(raw, source)
    data = raw if fmt == "json" else to_json_bytes(new_spec)
    old_data = spec_path.read_bytes() if spec_path.exists() else None
    try:
        old_spec: Spec = _parse(old_data, str(spec_path))[0] if old_data is not None else {"paths": {}}
    except UpdateError:
        old_spec = {"paths": {}}
    changelog = spec_changelog.diff(old_spec, new_spec)
    old_sha = _sha256(old_data) if old_data is not None else None
    result_args: dict[str, Any] = {
        "source": upstream or source,
        "converted": fmt != "json",
        "old_sha256": old_sha,
        "new_sha256": _sha256(data),
        "old_bytes": len(old_data) if old_data is not None else None,
        "new_bytes": len(data),
        "changelog": changelog,
    }
    if data == old_data:
        return UpdateResult(**result_args, files=(), adopted=False)

    with tempfile.TemporaryDirectory(prefix="lrc-update-") as tmp:
        staged_spec = Path(tmp) / spec_path.name
        staged_spec.write_bytes(data)
        staged_tree = Path(tmp) / "staged" / generated_dir.name
        try:
            generate(staged_spec, staged_tree)
        except GenerationError as exc:
            raise _GenerationFailed(exc, changelog) from exc
        if generated_dir.exists():
            changelog = dataclasses.replace(changelog, generated=names_changes(generated_dir, staged_tree))
            result_args["changelog"] = changelog
        problems = check_contract(staged_tree)
        if problems:
            raise _ContractFailed(problems, changelog)
        files = tuple(_file_changes(staged_tree, generated_dir))
        if dry_run:
            return UpdateResult(**result_args, files=files, adopted=False)

        old_provenance_bytes = provenance_path.read_bytes() if provenance_path.exists() else None
        old_provenance = json.loads(old_provenance_bytes) if old_provenance_bytes else {}
        provenance = new_provenance(
            old_provenance,
            source=upstream or source,
            spec_name=spec_path.name,
            data=data,
            today=today or datetime.now(UTC).date(),
            old_sha256=old_sha,
            converted_from=raw if fmt != "json" else None,
        )
        backup = Path(tmp) / "backup" / generated_dir.name
        had_tree = generated_dir.exists()
        if had_tree:
            shutil.copytree(generated_dir, backup)
        try:
            _replace_tree(staged_tree, generated_dir)
            _atomic_write(spec_path, data)
            _atomic_write(provenance_path, (json.dumps(provenance, indent=2, ensure_ascii=False) + "\n").encode())
        except BaseException:
            _replace_tree(backup if had_tree else None, generated_dir)
            for path, before in ((spec_path, old_data), (provenance_path, old_provenance_bytes)):
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    _atomic_write(path, before)
            raise
    return UpdateResult(**result_args, files=files, adopted=True)


class _GenerationFailed(UpdateError):
    def __init__(self, error: GenerationError, changelog: spec_changelog.Changelog) -> None:
        super().__init__(f"the new spec does not generate: {error}")
        self.changelog = changelog


class _ContractFailed(_GenerationFailed):
    """The new tree generates, but the hand-written layer does not work with it."""

    def __init__(self, problems: list[str], changelog: spec_changelog.Changelog) -> None:
        UpdateError.__init__(
            self,
            "the hand-written layer does not work with the code the new spec generates "
            "(fix the layer, or the spec in a pipeline step, then run update-spec again):\n"
            + "\n".join(f"  - {p}" for p in problems),
        )
        self.problems = problems
        self.changelog = changelog


def _file_changes(new_tree: Path, old_tree: Path) -> list[str]:
    """``"added|removed|changed: name"`` for each file that differs, sorted by name."""
    words = {"missing": "added", "extra": "removed", "changed": "changed"}
    found = [line.split(": ", 1) for line in compare_trees(new_tree, old_tree)]
    return [f"{words[kind]}: {name}" for kind, name in sorted(found, key=lambda kn: kn[1])]


def report(result: UpdateResult, *, spec_path: Path, provenance_path: Path, generated_dir: Path) -> str:
    old_label = f"{result.old_sha256[:12]}…" if result.old_sha256 else "(none)"
    new_label = f"{result.new_sha256[:12]}…"
    lines = []
    if result.old_sha256 == result.new_sha256:
        same = "converted to JSON, is byte-identical to" if result.converted else "is byte-identical to"
        lines.append(f"update-spec: {result.source} {same} {_display(spec_path)}; nothing to do")
        lines.append("")
        lines.append(spec_changelog.render(result.changelog, old_label=old_label, new_label=new_label))
        return "\n".join(lines)
    verb = "adopted" if result.adopted else "would adopt (dry run, nothing replaced)"
    lines.append(
        f"update-spec: {verb} {result.source}" + (" (YAML, vendored converted to JSON)" if result.converted else "")
    )
    lines.append(
        f"  {_display(spec_path)}: sha256 {old_label} → {new_label} ({result.old_bytes} → {result.new_bytes} bytes)"
    )
    if result.adopted:
        lines.append(f"  {_display(provenance_path)}: vendored_from, vendored_on, sha256, bytes, previous_sha256")
        if not _is_url(result.source):
            lines.append(
                "    (a local file: pass --source URL, or SOURCE=URL to make, to record its upstream location)"
            )
    files = result.files
    summary = f"{len(files)} file(s) differ" if files else "no file differs"
    lines.append(f"  {_display(generated_dir)}: {'regenerated' if result.adopted else 'generated'}, {summary}")
    lines += [f"    {f}" for f in files]
    lines.append("")
    lines.append(spec_changelog.render(result.changelog, old_label=old_label, new_label=new_label))
    if result.adopted:
        lines.append("Next: review `git diff`, run `make test`, then commit openapi/ and the generated tree together.")
        if result.changelog.breaking:
            lines.append(
                "BREAKING changes above: check the hand-written layer (client, validation, local server) against them."
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", help="the new spec (JSON or YAML): a path, a file:// URL or an http(s):// URL")
    parser.add_argument("--source", help="where that file comes from upstream (recorded in the provenance)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change; replace nothing")
    parser.add_argument("--spec-path", type=Path, default=SPEC_PATH, help="the vendored spec to replace")
    parser.add_argument("--provenance", type=Path, default=PROVENANCE_PATH, help="its provenance record")
    parser.add_argument("--generated", type=Path, default=GENERATED_DIR, help="the generated package folder")
    args = parser.parse_args(argv)
    paths = {"spec_path": args.spec_path, "provenance_path": args.provenance, "generated_dir": args.generated}
    try:
        result = update_spec(args.spec, dry_run=args.dry_run, upstream=args.source, **paths)
    except _GenerationFailed as exc:
        print(
            f"update-spec FAILED: {exc}\n\nNothing was replaced: {_display(args.spec_path)}, "
            f"{_display(args.provenance)} and {_display(args.generated)} are as they were.\n",
            file=sys.stderr,
        )
        print("What the rejected spec would change:\n", file=sys.stderr)
        print(spec_changelog.render(exc.changelog, old_label="vendored", new_label=args.spec), file=sys.stderr)
        return 1
    except UpdateError as exc:
        print(f"update-spec FAILED: {exc}\nNothing was replaced.", file=sys.stderr)
        return 1
    print(report(result, **paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
