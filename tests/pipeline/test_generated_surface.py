"""The generated package holds exactly what the four operations need, under the expected names.

openapi-python-client ignores a class_overrides key that no longer matches, and silently drops response
models when two titles collide: this test is what notices.
"""

from __future__ import annotations

import importlib
import pkgutil

import leonardo_realtime_client._generated.models as models
from leonardo_realtime_client._generated.api import realtime_canvas
from leonardo_realtime_client._generated.constraints import OPERATIONS

OPERATION_MODULES = {
    "createLCMGeneration": "create_lcm_generation",
    "performInstantRefine": "perform_instant_refine",
    "performInpaintingLCM": "perform_inpainting_lcm",
    "performAlchemyUpscaleLCM": "perform_alchemy_upscale_lcm",
}
RESPONSE_MODELS = {
    "createLCMGeneration": "CreateLcmGenerationResponse200",
    "performInstantRefine": "PerformInstantRefineResponse200",
    "performInpaintingLCM": "PerformInpaintingLcmResponse200",
    "performAlchemyUpscaleLCM": "PerformAlchemyUpscaleLcmResponse200",
}

EXPECTED_MODELS = {
    "Cost",
    "CostUnit",
    "LcmGenerationStyle",
    "CreateLcmGenerationBody",
    "CreateLcmGenerationResponse200",
    "CreateLcmGenerationResponse200LcmGenerationOutput",
    "PerformInstantRefineBody",
    "PerformInstantRefineResponse200",
    "PerformInstantRefineResponse200LcmGenerationOutput",
    "PerformInpaintingLcmBody",
    "PerformInpaintingLcmResponse200",
    "PerformInpaintingLcmResponse200LcmGenerationOutput",
    "PerformAlchemyUpscaleLcmBody",
    "PerformAlchemyUpscaleLcmResponse200",
    "PerformAlchemyUpscaleLcmResponse200LcmGenerationOutput",
}


def test_every_expected_model_exists_and_nothing_else() -> None:
    assert set(models.__all__) == EXPECTED_MODELS
    for name in EXPECTED_MODELS:
        assert isinstance(getattr(models, name), type), name


def test_each_operation_has_a_module_with_sync_and_async_calls() -> None:
    found = {m.name for m in pkgutil.iter_modules(realtime_canvas.__path__)}
    assert found == set(OPERATION_MODULES.values())
    for module_name in OPERATION_MODULES.values():
        module = importlib.import_module(f"{realtime_canvas.__name__}.{module_name}")
        for fn in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, fn)), f"{module_name}.{fn}"


def test_each_operation_parses_its_own_200_model() -> None:
    """A collided title would leave an endpoint's 200 response unparsed (None): check every one."""
    for op_id, module_name in OPERATION_MODULES.items():
        module = importlib.import_module(f"{realtime_canvas.__name__}.{module_name}")
        source = module.__file__
        assert source is not None
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
        assert f"{RESPONSE_MODELS[op_id]}.from_dict" in text, op_id


def test_constraints_table_covers_the_four_operations() -> None:
    assert set(OPERATIONS) == set(OPERATION_MODULES)
    paths = {op["path"] for op in OPERATIONS.values()}
    assert paths == {"/generations-lcm", "/lcm-instant-refine", "/lcm-inpainting", "/lcm-upscale"}
