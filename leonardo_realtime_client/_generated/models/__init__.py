"""Contains all the data models used in inputs/outputs"""

from .cost import Cost
from .cost_unit import CostUnit
from .create_lcm_generation_body import CreateLcmGenerationBody
from .create_lcm_generation_response_200 import CreateLcmGenerationResponse200
from .create_lcm_generation_response_200_lcm_generation_output import CreateLcmGenerationResponse200LcmGenerationOutput
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
