from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cost import Cost


T = TypeVar("T", bound="CreateLcmGenerationResponse200LcmGenerationOutput")


@_attrs_define
class CreateLcmGenerationResponse200LcmGenerationOutput:
    image_data_url: list[str] | Unset = UNSET
    request_timestamp: str | Unset = UNSET
    api_credit_cost: int | None | Unset = UNSET
    """ API credits cost, available for Production API users. Note: it will be deprecated. Please use the cost
    instead. """
    cost: Cost | None | Unset = UNSET
    """ The cost of the operation. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.cost import Cost  # noqa: PLC0415

        image_data_url: list[str] | Unset = UNSET
        if not isinstance(self.image_data_url, Unset):
            image_data_url = self.image_data_url

        request_timestamp = self.request_timestamp

        api_credit_cost: int | None | Unset
        if isinstance(self.api_credit_cost, Unset):
            api_credit_cost = UNSET
        else:
            api_credit_cost = self.api_credit_cost

        cost: dict[str, Any] | None | Unset
        if isinstance(self.cost, Unset):
            cost = UNSET
        elif isinstance(self.cost, Cost):
            cost = self.cost.to_dict()
        else:
            cost = self.cost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if image_data_url is not UNSET:
            field_dict["imageDataUrl"] = image_data_url
        if request_timestamp is not UNSET:
            field_dict["requestTimestamp"] = request_timestamp
        if api_credit_cost is not UNSET:
            field_dict["apiCreditCost"] = api_credit_cost
        if cost is not UNSET:
            field_dict["cost"] = cost

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cost import Cost  # noqa: PLC0415

        d = dict(src_dict)
        image_data_url = cast(list[str], d.pop("imageDataUrl", UNSET))

        request_timestamp = d.pop("requestTimestamp", UNSET)

        def _parse_api_credit_cost(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        api_credit_cost = _parse_api_credit_cost(d.pop("apiCreditCost", UNSET))

        def _parse_cost(data: object) -> Cost | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemascost_type_0 = Cost.from_dict(data)

                return componentsschemascost_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Cost | None | Unset, data)

        cost = _parse_cost(d.pop("cost", UNSET))

        create_lcm_generation_response_200_lcm_generation_output = cls(
            image_data_url=image_data_url,
            request_timestamp=request_timestamp,
            api_credit_cost=api_credit_cost,
            cost=cost,
        )

        create_lcm_generation_response_200_lcm_generation_output.additional_properties = d
        return create_lcm_generation_response_200_lcm_generation_output

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
