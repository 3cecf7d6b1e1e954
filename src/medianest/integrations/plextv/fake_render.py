"""JSON and XML bodies of the fake plex.tv, shaped like the real ones.

Field sets follow the community OpenAPI (``UserPlexAccount``, ``PlexDevice``, and the older
``AuthPinContainer``); the XML forms follow what python-plexapi parses
(``docs/protocols/plextv.md#xml-form``).
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from medianest.integrations.fakekit import wants_json, xml_element, xml_response
from medianest.integrations.plextv.fake_state import Account, Pin, PlexTvFakeState

# plex.tv geolocates the caller; the fake always answers from the same made-up place.
LOCATION: dict[str, Any] = {
    "code": "NL",
    "european_union_member": True,
    "continent_code": "EU",
    "country": "The Netherlands",
    "city": "Breda",
    "time_zone": "Europe/Amsterdam",
    "postal_code": "4814",
    "in_privacy_restricted_country": True,
    "in_privacy_restricted_region": True,
    "subdivisions": "North Brabant",
    "coordinates": "51.5869, 4.7471",
}
PUBLIC_ADDRESS = "203.0.113.7"  # TEST-NET-3: never a real address


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def base_url(state: PlexTvFakeState, request: Request) -> str:
    return state.base_url or str(request.base_url).rstrip("/")


def render(request: Request, data: dict[str, Any], root: ET.Element, status: int = 200) -> Response:
    """JSON only for ``Accept: application/json``; XML otherwise, like plex.tv."""
    if wants_json(request):
        return JSONResponse(data, status_code=status)
    return xml_response(root, status_code=status)


def error(
    request: Request, status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """plex.tv's error body; the XML form is an assumption (no captured example exists)."""
    entry = {"code": code, "message": message, "status": status}
    if wants_json(request):
        return JSONResponse({"errors": [entry]}, status_code=status, headers=headers)
    root = ET.Element("errors")
    root.append(xml_element("error", entry))
    return xml_response(root, status_code=status, headers=headers)


# -- PINs -------------------------------------------------------------------------------------


def pin_json(pin: Pin, now: float, base: str) -> dict[str, Any]:
    return {
        "id": pin.id,
        "code": pin.code,
        "product": pin.product,
        "trusted": False,
        "qr": f"{base}/api/v2/pins/qr/{pin.code}",
        "clientIdentifier": pin.client_identifier,
        "location": dict(LOCATION),
        "expiresIn": pin.expires_in(now),
        "createdAt": iso(pin.created_at),
        "expiresAt": iso(pin.expires_at),
        "authToken": pin.auth_token,
        "newRegistration": None,
    }


def pin_response(request: Request, pin: Pin, now: float, base: str, status: int = 200) -> Response:
    data = pin_json(pin, now, base)
    root = xml_element("pin", data, [xml_element("location", LOCATION)])
    return render(request, data, root, status)


# -- the account ------------------------------------------------------------------------------


def _subscription(account: Account) -> dict[str, Any]:
    if account.is_owner:  # the demo owner has Plex Pass, as server owners often do
        return {
            "active": True,
            "subscribedAt": "2021-04-12T18:21:12Z",
            "status": "Active",
            "paymentService": "",
            "plan": "lifetime",
            "features": ["webhooks", "hardware_transcoding", "camera_upload"],
        }
    return {
        "active": False,
        "subscribedAt": None,
        "status": "Inactive",
        "paymentService": None,
        "plan": None,
        "features": [],
    }


PROFILE: dict[str, Any] = {
    "autoSelectAudio": True,
    "defaultAudioLanguage": "en",
    "defaultSubtitleLanguage": "en",
    "autoSelectSubtitle": 0,
    "defaultSubtitleAccessibility": 0,
    "defaultSubtitleForced": 0,
    "watchedIndicator": 1,
    "mediaReviewsVisibility": 0,
}


def thumb_url(account: Account, base: str) -> str:
    return f"{base}/users/{account.uuid}/avatar?c={account.plex_id}"


def user_json(account: Account, token: str, now: float, base: str) -> dict[str, Any]:
    """``UserPlexAccount``. A missing email is rendered as "" (the spec marks it required)."""
    subscription = _subscription(account)
    return {
        "id": account.plex_id,
        "uuid": account.uuid,
        "username": account.username,
        "title": account.title,
        "friendlyName": account.title,
        "email": account.email or "",
        "locale": None,
        "confirmed": True,
        "joinedAt": account.joined_at,
        "emailOnlyAuth": False,
        "hasPassword": True,
        "protected": False,
        "thumb": thumb_url(account, base),
        "authToken": token,
        "mailingListStatus": "unsubscribed",
        "mailingListActive": False,
        "scrobbleTypes": "",
        "country": account.country,
        "subscriptionDescription": None,
        "restricted": False,
        "anonymous": False,
        "home": False,
        "guest": False,
        "homeSize": 1,
        "homeAdmin": False,
        "maxHomeSize": 15,
        "rememberExpiresAt": int(now) + 14 * 86400,
        "adsConsent": None,
        "adsConsentSetAt": None,
        "adsConsentReminderAt": None,
        "experimentalFeatures": False,
        "twoFactorEnabled": False,
        "backupCodesCreated": False,
        "attributionPartner": None,
        "subscription": subscription,
        "subscriptions": [subscription] if subscription["active"] else [],
        "profile": dict(PROFILE),
        "entitlements": ["all"] if account.is_owner else [],
        "roles": ["plexpass"] if subscription["active"] else [],
        "services": [],
    }


def _id_list(tag: str, child: str, ids: list[str]) -> ET.Element:
    return xml_element(tag, {}, [xml_element(child, {"id": i}) for i in ids])


def user_xml(data: dict[str, Any]) -> ET.Element:
    """The ``<user>`` element plexapi's MyPlexAccount needs (subscription and profile children)."""
    sub = data["subscription"]
    subscriptions = xml_element("subscriptions", {})
    for entry in data["subscriptions"]:
        subscriptions.append(xml_element("subscription", entry))
    children = [
        xml_element("subscription", sub, [_id_list("features", "feature", sub["features"])]),
        xml_element("profile", data["profile"]),
        _id_list("entitlements", "entitlement", data["entitlements"]),
        _id_list("roles", "role", data["roles"]),
        subscriptions,
        xml_element("services", {}),
    ]
    return xml_element("user", data, children)


def account_v1_json(account: Account, token: str, base: str) -> dict[str, Any]:
    """The older ``/users/account.json`` shape Overseerr reads (``roles`` is nested twice)."""
    sub = _subscription(account)
    return {
        "user": {
            "id": account.plex_id,
            "uuid": account.uuid,
            "email": account.email or "",
            "joined_at": iso(account.joined_at),
            "username": account.username,
            "title": account.title,
            "thumb": thumb_url(account, base),
            "hasPassword": True,
            "authToken": token,
            "subscription": {k: sub[k] for k in ("active", "status", "plan", "features")},
            "roles": {"roles": ["plexpass"] if sub["active"] else []},
            "entitlements": ["all"] if account.is_owner else [],
        }
    }


# -- resources --------------------------------------------------------------------------------


def _connection(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 32400)
    try:
        address = ipaddress.ip_address(host)
        local, ipv6 = address.is_private or address.is_loopback, address.version == 6
    except ValueError:  # a host name: assume the LAN
        local, ipv6 = True, False
    return {
        "protocol": parts.scheme or "http",
        "address": host,
        "port": port,
        "uri": f"{parts.scheme}://{parts.netloc}",
        "local": local,
        "relay": False,
        "IPv6": ipv6,
    }


def server_resource(state: PlexTvFakeState, account: Account, now: float) -> dict[str, Any]:
    """The demo Plex server as ``account`` sees it; its ``accessToken`` is per account."""
    owner = state.owner
    shared = not account.is_owner and owner is not None
    return {
        "name": state.server_name,
        "product": "Plex Media Server",
        "productVersion": state.server_version,
        "platform": "Linux",
        "platformVersion": "6.1.0",
        "device": "PC",
        "clientIdentifier": state.machine_id,
        "createdAt": iso(1546300800),
        "lastSeenAt": iso(now),
        "provides": "server",
        "ownerId": owner.plex_id if shared and owner else None,
        "sourceTitle": owner.username if shared and owner else None,
        "publicAddress": PUBLIC_ADDRESS,
        "accessToken": account.server_access_token or "",
        "owned": account.is_owner,
        "home": False,
        "synced": False,
        "relay": True,
        "presence": True,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": False,
        "connections": [_connection(state.server_url)],
    }


def player_resource(account: Account, now: float) -> dict[str, Any]:
    """A browser player the account signed in from: clients must filter on ``provides``."""
    return {
        "name": "Firefox",
        "product": "Plex Web",
        "productVersion": "4.145.1",
        "platform": "Firefox",
        "platformVersion": "133.0",
        "device": "Linux",
        "clientIdentifier": f"plexweb-{account.uuid}",
        "createdAt": iso(account.joined_at),
        "lastSeenAt": iso(now - 3600),
        "provides": "client,player,pubsub-player",
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": PUBLIC_ADDRESS,
        "accessToken": account.auth_token,
        "owned": True,
        "home": False,
        "synced": False,
        "relay": False,
        "presence": False,
        "httpsRequired": False,
        "publicAddressMatches": True,
        "dnsRebindingProtection": False,
        "natLoopbackSupported": False,
        "connections": [],
    }


def resources(state: PlexTvFakeState, account: Account, now: float) -> list[dict[str, Any]]:
    devices = [player_resource(account, now)]
    if account.has_server_access:
        devices.insert(0, server_resource(state, account, now))
    return devices


def resources_response(request: Request, devices: list[dict[str, Any]]) -> Response:
    if wants_json(request):
        return JSONResponse(devices)
    root = xml_element("MediaContainer", {"size": len(devices)})
    for device in devices:
        conns = [xml_element("connection", c) for c in device["connections"]]
        root.append(xml_element("resource", device, [xml_element("connections", {}, conns)]))
    return xml_response(root)
