from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.perform_instant_refine_response_200_lcm_generation_output import (
        PerformInstantRefineResponse200LcmGenerationOutput,
    )


T = TypeVar("T", bound="PerformInstantRefineResponse200")


@_attrs_define
class PerformInstantRefineResponse200:
    lcm_generation_job: None | PerformInstantRefineResponse200LcmGenerationOutput | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.perform_instant_refine_response_200_lcm_generation_output import (
            PerformInstantRefineResponse200LcmGenerationOutput,  # noqa: PLC0415
        )

        lcm_generation_job: dict[str, Any] | None | Unset
        if isinstance(self.lcm_generation_job, Unset):
            lcm_generation_job = UNSET
        elif isinstance(self.lcm_generation_job, PerformInstantRefineResponse200LcmGenerationOutput):
            lcm_generation_job = self.lcm_generation_job.to_dict()
        else:
            lcm_generation_job = self.lcm_generation_job

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if lcm_generation_job is not UNSET:
            field_dict["lcmGenerationJob"] = lcm_generation_job

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.perform_instant_refine_response_200_lcm_generation_output import (
            PerformInstantRefineResponse200LcmGenerationOutput,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_lcm_generation_job(
            data: object,
        ) -> None | PerformInstantRefineResponse200LcmGenerationOutput | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lcm_generation_job_type_0 = PerformInstantRefineResponse200LcmGenerationOutput.from_dict(data)

                return lcm_generation_job_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PerformInstantRefineResponse200LcmGenerationOutput | Unset, data)

        lcm_generation_job = _parse_lcm_generation_job(d.pop("lcmGenerationJob", UNSET))

        perform_instant_refine_response_200 = cls(
            lcm_generation_job=lcm_generation_job,
        )

        perform_instant_refine_response_200.additional_properties = d
        return perform_instant_refine_response_200

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
