from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.perform_alchemy_upscale_lcm_body import PerformAlchemyUpscaleLcmBody
from ...models.perform_alchemy_upscale_lcm_response_200 import PerformAlchemyUpscaleLcmResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PerformAlchemyUpscaleLcmBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/lcm-upscale",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PerformAlchemyUpscaleLcmResponse200 | None:
    if response.status_code == 200:
        response_200 = PerformAlchemyUpscaleLcmResponse200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PerformAlchemyUpscaleLcmResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PerformAlchemyUpscaleLcmBody | Unset = UNSET,
) -> Response[PerformAlchemyUpscaleLcmResponse200]:
    """Perform Alchemy Upscale on a LCM image

     This endpoint will perform Alchemy Upscale on a LCM image

    Args:
        body (PerformAlchemyUpscaleLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PerformAlchemyUpscaleLcmResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: PerformAlchemyUpscaleLcmBody | Unset = UNSET,
) -> PerformAlchemyUpscaleLcmResponse200 | None:
    """Perform Alchemy Upscale on a LCM image

     This endpoint will perform Alchemy Upscale on a LCM image

    Args:
        body (PerformAlchemyUpscaleLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PerformAlchemyUpscaleLcmResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PerformAlchemyUpscaleLcmBody | Unset = UNSET,
) -> Response[PerformAlchemyUpscaleLcmResponse200]:
    """Perform Alchemy Upscale on a LCM image

     This endpoint will perform Alchemy Upscale on a LCM image

    Args:
        body (PerformAlchemyUpscaleLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PerformAlchemyUpscaleLcmResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PerformAlchemyUpscaleLcmBody | Unset = UNSET,
) -> PerformAlchemyUpscaleLcmResponse200 | None:
    """Perform Alchemy Upscale on a LCM image

     This endpoint will perform Alchemy Upscale on a LCM image

    Args:
        body (PerformAlchemyUpscaleLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PerformAlchemyUpscaleLcmResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
