from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.perform_inpainting_lcm_body import PerformInpaintingLcmBody
from ...models.perform_inpainting_lcm_response_200 import PerformInpaintingLcmResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PerformInpaintingLcmBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/lcm-inpainting",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PerformInpaintingLcmResponse200 | None:
    if response.status_code == 200:
        response_200 = PerformInpaintingLcmResponse200.from_dict(response.json())

        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PerformInpaintingLcmResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PerformInpaintingLcmBody | Unset = UNSET,
) -> Response[PerformInpaintingLcmResponse200]:
    """Perform inpainting on a LCM image

     This endpoint will perform a inpainting on a LCM image

    Args:
        body (PerformInpaintingLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PerformInpaintingLcmResponse200]
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
    body: PerformInpaintingLcmBody | Unset = UNSET,
) -> PerformInpaintingLcmResponse200 | None:
    """Perform inpainting on a LCM image

     This endpoint will perform a inpainting on a LCM image

    Args:
        body (PerformInpaintingLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PerformInpaintingLcmResponse200
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PerformInpaintingLcmBody | Unset = UNSET,
) -> Response[PerformInpaintingLcmResponse200]:
    """Perform inpainting on a LCM image

     This endpoint will perform a inpainting on a LCM image

    Args:
        body (PerformInpaintingLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PerformInpaintingLcmResponse200]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PerformInpaintingLcmBody | Unset = UNSET,
) -> PerformInpaintingLcmResponse200 | None:
    """Perform inpainting on a LCM image

     This endpoint will perform a inpainting on a LCM image

    Args:
        body (PerformInpaintingLcmBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PerformInpaintingLcmResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
