"""A status change carries the card dashboards need, so no open dashboard fetches the board."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medianest.config import Settings
from tests.support.kuma_rig import KumaRig, app_of, coordinator, on_app_loop, start_kuma
from tests.support.live import LiveStream
from tests.support.servers import running_app
from tests.support.signin import admin_client


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma(cache=True)
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    return kuma.settings()


async def test_a_status_change_carries_its_rendered_card_to_every_viewer(
    settings: Settings, kuma: KumaRig
) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        assert (await on_app_loop(app, coordinator(app).poll_once())).ok
        kuma.send_webhooks_to(server.url)
        async with (
            admin_client(server.url) as first,
            admin_client(server.url) as second,
            LiveStream(first) as one,
            LiveStream(second) as other,
        ):
            kuma.state.set_status(kuma.monitor_id("Overseerr"), "down", msg="HTTP 502")
            changes = [
                await live.wait_for(lambda e: e.name == "service.status") for live in (one, other)
            ]
    data = changes[0].data["data"]
    assert (data["name"], data["status"], data["previous"]) == ("Overseerr", "down", "up")
    html = data["html"]
    assert f'data-service="{data["id"]}"' in html and 'data-status="down"' in html
    assert "Overseerr" in html and "Down" in html
    assert changes[1].data == changes[0].data  # the same card for every viewer


async def test_a_card_with_an_outside_name_is_escaped(settings: Settings, kuma: KumaRig) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        assert (await on_app_loop(app, coordinator(app).poll_once())).ok
        kuma.send_webhooks_to(server.url)
        async with admin_client(server.url) as http, LiveStream(http) as live:
            kuma.state.set_status(kuma.monitor_id("NAS <b>Backups</b> & Snapshots"), "down")
            change = await live.wait_for(lambda e: e.name == "service.status")
    html = change.data["data"]["html"]
    assert "NAS &lt;b&gt;Backups&lt;/b&gt; &amp; Snapshots" in html and "<b>" not in html
