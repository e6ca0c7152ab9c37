from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lcm_generation_style import LcmGenerationStyle
from ..types import UNSET, Unset

T = TypeVar("T", bound="PerformInstantRefineBody")


@_attrs_define
class PerformInstantRefineBody:
    image_data_url: str
    """ Image data used to generate image. In base64 format. Prefix: `data:image/jpeg;base64,` """
    prompt: str
    """ The prompt used to generate images """
    guidance: float | None | Unset = UNSET
    """ How strongly the generation should reflect the prompt. Must be a float between 0.5 and 20. """
    strength: float | None | Unset = UNSET
    """ Creativity strength of generation. Higher strength will deviate more from the original image supplied in
    imageDataUrl. Must be a float between 0.1 and 1. """
    request_timestamp: str | Unset = UNSET
    style: LcmGenerationStyle | Unset = UNSET
    """ The style to generate LCM images with. """
    steps: int | None | Unset = UNSET
    """ The number of steps to use for the generation. Must be between 4 and 16. """
    width: int | None | Unset = 512
    """ The output width of the image. Must be 512, 640 or 1024. """
    height: int | None | Unset = 512
    """ The output width of the image. Must be 512, 640 or 1024. """
    seed: int | None | Unset = UNSET
    """ Apply a fixed seed to maintain consistency across generation sets. The maximum seed value is 2147483637 for
    Flux and 9999999998 for other models """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        image_data_url = self.image_data_url

        prompt = self.prompt

        guidance: float | None | Unset
        if isinstance(self.guidance, Unset):
            guidance = UNSET
        else:
            guidance = self.guidance

        strength: float | None | Unset
        if isinstance(self.strength, Unset):
            strength = UNSET
        else:
            strength = self.strength

        request_timestamp = self.request_timestamp

        style: str | Unset = UNSET
        if not isinstance(self.style, Unset):
            style = self.style.value

        steps: int | None | Unset
        if isinstance(self.steps, Unset):
            steps = UNSET
        else:
            steps = self.steps

        width: int | None | Unset
        if isinstance(self.width, Unset):
            width = UNSET
        else:
            width = self.width

        height: int | None | Unset
        if isinstance(self.height, Unset):
            height = UNSET
        else:
            height = self.height

        seed: int | None | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "imageDataUrl": image_data_url,
                "prompt": prompt,
            }
        )
        if guidance is not UNSET:
            field_dict["guidance"] = guidance
        if strength is not UNSET:
            field_dict["strength"] = strength
        if request_timestamp is not UNSET:
            field_dict["requestTimestamp"] = request_timestamp
        if style is not UNSET:
            field_dict["style"] = style
        if steps is not UNSET:
            field_dict["steps"] = steps
        if width is not UNSET:
            field_dict["width"] = width
        if height is not UNSET:
            field_dict["height"] = height
        if seed is not UNSET:
            field_dict["seed"] = seed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        image_data_url = d.pop("imageDataUrl")

        prompt = d.pop("prompt")

        def _parse_guidance(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        guidance = _parse_guidance(d.pop("guidance", UNSET))

        def _parse_strength(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        strength = _parse_strength(d.pop("strength", UNSET))

        request_timestamp = d.pop("requestTimestamp", UNSET)

        _style = d.pop("style", UNSET)
        style: LcmGenerationStyle | Unset
        if isinstance(_style, Unset):
            style = UNSET
        else:
            style = LcmGenerationStyle(_style)

        def _parse_steps(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        steps = _parse_steps(d.pop("steps", UNSET))

        def _parse_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        width = _parse_width(d.pop("width", UNSET))

        def _parse_height(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        height = _parse_height(d.pop("height", UNSET))

        def _parse_seed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        perform_instant_refine_body = cls(
            image_data_url=image_data_url,
            prompt=prompt,
            guidance=guidance,
            strength=strength,
            request_timestamp=request_timestamp,
            style=style,
            steps=steps,
            width=width,
            height=height,
            seed=seed,
        )

        perform_instant_refine_body.additional_properties = d
        return perform_instant_refine_body

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
