"""Contains all the data models used in inputs/outputs"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cost import Cost
    from .cost_unit import CostUnit
    from .create_lcm_generation_body import CreateLcmGenerationBody
    from .create_lcm_generation_response_200 import CreateLcmGenerationResponse200
    from .create_lcm_generation_response_200_lcm_generation_output import (
        CreateLcmGenerationResponse200LcmGenerationOutput,
    )
    from .lcm_generation_style import LcmGenerationStyle
    from .perform_alchemy_upscale_lcm_body import PerformAlchemyUpscaleLcmBody
    from .perform_alchemy_upscale_lcm_response_200 import PerformAlchemyUpscaleLcmResponse200
    from .perform_alchemy_upscale_lcm_response_200_lcm_generation_output import (
        PerformAlchemyUpscaleLcmResponse200LcmGenerationOutput,
    )
    from .perform_inpainting_lcm_body import PerformInpaintingLcmBody
    from .perform_inpainting_lcm_response_200 import PerformInpaintingLcmResponse200
    from .perform_inpainting_lcm_response_200_lcm_generation_output import (
        PerformInpaintingLcmResponse200LcmGenerationOutput,
    )
    from .perform_instant_refine_body import PerformInstantRefineBody
    from .perform_instant_refine_response_200 import PerformInstantRefineResponse200
    from .perform_instant_refine_response_200_lcm_generation_output import (
        PerformInstantRefineResponse200LcmGenerationOutput,
    )

__all__ = (
    "Cost",
    "CostUnit",
    "CreateLcmGenerationBody",
    "CreateLcmGenerationResponse200",
    "CreateLcmGenerationResponse200LcmGenerationOutput",
    "LcmGenerationStyle",
    "PerformAlchemyUpscaleLcmBody",
    "PerformAlchemyUpscaleLcmResponse200",
    "PerformAlchemyUpscaleLcmResponse200LcmGenerationOutput",
    "PerformInpaintingLcmBody",
    "PerformInpaintingLcmResponse200",
    "PerformInpaintingLcmResponse200LcmGenerationOutput",
    "PerformInstantRefineBody",
    "PerformInstantRefineResponse200",
    "PerformInstantRefineResponse200LcmGenerationOutput",
)

_MODULES = {
    "Cost": ".cost",
    "CostUnit": ".cost_unit",
    "CreateLcmGenerationBody": ".create_lcm_generation_body",
    "CreateLcmGenerationResponse200": ".create_lcm_generation_response_200",
    "CreateLcmGenerationResponse200LcmGenerationOutput": ".create_lcm_generation_response_200_lcm_generation_output",
    "LcmGenerationStyle": ".lcm_generation_style",
    "PerformAlchemyUpscaleLcmBody": ".perform_alchemy_upscale_lcm_body",
    "PerformAlchemyUpscaleLcmResponse200": ".perform_alchemy_upscale_lcm_response_200",
    "PerformAlchemyUpscaleLcmResponse200LcmGenerationOutput": ".perform_alchemy_upscale_lcm_response_200_lcm_generation_output",
    "PerformInpaintingLcmBody": ".perform_inpainting_lcm_body",
    "PerformInpaintingLcmResponse200": ".perform_inpainting_lcm_response_200",
    "PerformInpaintingLcmResponse200LcmGenerationOutput": ".perform_inpainting_lcm_response_200_lcm_generation_output",
    "PerformInstantRefineBody": ".perform_instant_refine_body",
    "PerformInstantRefineResponse200": ".perform_instant_refine_response_200",
    "PerformInstantRefineResponse200LcmGenerationOutput": ".perform_instant_refine_response_200_lcm_generation_output",
}


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
