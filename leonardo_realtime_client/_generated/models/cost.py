from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cost_unit import CostUnit
from ..types import UNSET, Unset

T = TypeVar("T", bound="Cost")


@_attrs_define
class Cost:
    """The cost of the operation."""

    amount: str | Unset = UNSET
    """ The amount of the cost. """
    unit: CostUnit | Unset = UNSET
    """ The unit of the cost. Can be CREDITS or DOLLARS. Note: DOLLARS unit only supports PAYG plan. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        unit: str | Unset = UNSET
        if not isinstance(self.unit, Unset):
            unit = self.unit.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if amount is not UNSET:
            field_dict["amount"] = amount
        if unit is not UNSET:
            field_dict["unit"] = unit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount", UNSET)

        _unit = d.pop("unit", UNSET)
        unit: CostUnit | Unset
        if isinstance(_unit, Unset):
            unit = UNSET
        else:
            unit = CostUnit(_unit)

        cost = cls(
            amount=amount,
            unit=unit,
        )

        cost.additional_properties = d
        return cost

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
