"""Run by scripts/contract_check.py in a fresh interpreter whose ``leonardo_realtime_client`` is the candidate copy.

Prints a JSON list of problems (empty when the hand-written layer works with the generated tree it was given):
every module imports, the operations table resolves against the generated models and the constraints table,
and one valid call per operation succeeds through the client and the in-process local server.

Usage (by contract_check only): python scripts/contract_probe.py EXPECTED_PACKAGE_DIR
"""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import sys
from pathlib import Path


def _imports(problems: list[str]) -> None:
    import leonardo_realtime_client as package

    where = Path(package.__file__ or "").resolve().parent
    if where != Path(sys.argv[1]).resolve():
        problems.append(f"imported leonardo_realtime_client from {where}, not the candidate copy {sys.argv[1]}")
        return
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] == package.__name__:
                problems.append(f"import {info.name}: {exc}")
            # else: an optional extra that is not installed here, not the generated tree's business
        except Exception as exc:
            problems.append(f"import {info.name}: {type(exc).__name__}: {exc}")


def _operations(problems: list[str]) -> None:
    from leonardo_realtime_client._generated.constraints import OPERATIONS
    from leonardo_realtime_client._operations import OPERATION_IDS, operations

    missing = sorted(set(OPERATION_IDS.values()) - set(OPERATIONS))
    if missing:
        problems.append(f"the operations table names operation ids the spec no longer has: {', '.join(missing)}")
    try:
        for operation in operations().values():  # its generated models load on first use: ask for each
            operation.body_type, operation.response_from_dict, operation.output_type  # noqa: B018
    except Exception as exc:
        problems.append(
            f"the operations table does not resolve against the generated code: {type(exc).__name__}: {exc}"
        )


def _calls(problems: list[str]) -> None:
    from PIL import Image

    from leonardo_realtime_client import RealtimeCanvas
    from leonardo_realtime_client._generated.constraints import OPERATIONS
    from leonardo_realtime_client._operations import OPERATION_IDS
    from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, LocalTransport

    buffer = io.BytesIO()
    Image.new("RGB", (512, 512), (120, 160, 200)).save(buffer, "JPEG")
    image = buffer.getvalue()
    with RealtimeCanvas(
        api_key="contract-check", base_url=IN_PROCESS_BASE_URL, transport=LocalTransport(), max_retries=0
    ) as client:
        for name, op_id in OPERATION_IDS.items():
            rule = OPERATIONS.get(op_id)
            images = [image, image] if rule is not None and "maskDataUrl" in rule["fields"] else [image]
            try:
                result = getattr(client, name)(*images, prompt="contract check")
            except Exception as exc:
                problems.append(f"{name}() through the client and the local server: {type(exc).__name__}: {exc}")
                continue
            if not result.images:
                problems.append(f"{name}() through the client and the local server: no image in the result")


def main() -> int:
    problems: list[str] = []
    for step in (_imports, _operations, _calls):
        try:
            step(problems)
        except Exception as exc:
            problems.append(f"{step.__name__.strip('_')}: {type(exc).__name__}: {exc}")
        if problems:
            break  # later steps only repeat what an earlier one found
    print(json.dumps(problems))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
