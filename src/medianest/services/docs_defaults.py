"""The docs pages MediaNest ships: seeded into an empty hub, restorable one by one by slug.

``{{server_name}}`` is filled in when a page is shown (so a branding change shows at once) and
``{{quick_links}}`` becomes the dashboard's quick links. The FAQ anchors (``{#...}``) are linked
from error messages elsewhere in the app: keep them stable (see ``FAQ_ANCHORS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from medianest.domain.errors import DomainError, RateLimited, ServiceDown


@dataclass(frozen=True)
class DefaultPage:
    slug: str
    title: str
    body: str


# Anchors other pages link to (help links on error notices): /docs/faq#<anchor>.
FAQ_SERVICE_DOWN = "service-down"
FAQ_REQUEST_REFUSED = "request-refused"
FAQ_RATE_LIMIT = "rate-limit"
FAQ_DOWNLOAD_FAILED = "download-failed"
FAQ_SIGN_IN = "sign-in"
FAQ_LIBRARY = "library-not-loading"
FAQ_ANCHORS = (
    FAQ_SERVICE_DOWN,
    FAQ_REQUEST_REFUSED,
    FAQ_RATE_LIMIT,
    FAQ_DOWNLOAD_FAILED,
    FAQ_SIGN_IN,
    FAQ_LIBRARY,
)


def faq_link(anchor: str) -> str:
    return f"/docs/faq#{anchor}"


GETTING_STARTED = """\
Welcome to **{{server_name}}**. This portal gathers what you need around our Plex server in one
place: the state of the services, requests for new movies and shows, the library, and a YouTube
downloader.

## Sign in {#sign-in}

1. Open the sign-in page and choose **Sign in with Plex**.
2. Plex opens in a new window. Sign in there with your usual Plex account and allow access.
3. The window closes and you are signed in. Your session lasts while you keep visiting.

If you see *waiting for approval*, the server owner still has to let your account in. See the
[FAQ](/docs/faq#sign-in).

## Request a movie or a show {#request}

1. Open **Requests** and search for a title.
2. Titles that Plex already has are marked; choose **Request** on one that is missing. For a
   show, pick the seasons you want.
3. Follow it under **My requests**: pending, approved, downloading, then available. You also get a
   notice in your inbox when it is ready to watch.

## Download a YouTube video or playlist {#youtube}

1. Open **YouTube** and paste the address of a video or a playlist.
2. Choose **Check** to see the title and the number of videos, pick a quality, then **Download**.
3. The progress bar shows how far it is. You can cancel while it runs.

## Where things appear in Plex {#in-plex}

- Requested movies and shows appear in their usual Plex libraries once they are available.
- A downloaded playlist becomes a **Plex collection named after the playlist**, in the library
  the server owner set aside for YouTube videos. A single video appears in that library too.
- The **Inbox** (the bell at the top) tells you when a request is available, when a download has
  finished, and when a service goes down or comes back.

## More help

- The [FAQ](/docs/faq) answers the usual questions.
- [Related apps](/docs/related-apps) lists the Plex apps and other tools for {{server_name}}.
"""

FAQ = """\
Answers to the questions people ask most about {{server_name}}.

## A service is down, or its status looks old {#service-down}

The dashboard shows what Uptime Kuma reports. Kuma caches its public status page for up to
**5 minutes**, so a change can take that long to show. If MediaNest cannot reach Kuma at all, the
dashboard says so and shows the last status it saw. There is nothing you need to do: the server
owner is told, and your inbox gets a notice when the service is back.

## A request was refused {#request-refused}

- **Already requested or available**: someone asked for it first, or Plex has it already. Look
  under *My requests*, or search the Library.
- **Request limit used up**: Overseerr allows each account a number of requests over a few days.
  It frees up by itself; the server owner can raise it.
- **Not allowed**: your Overseerr permissions do not cover this (for example 4K or shows). Ask the
  server owner.
- **Overseerr is not answering**: searching and requesting pause until it is back; your earlier
  requests are still listed.

## You reached a rate limit {#rate-limit}

To keep things fair, each person can make a limited number of requests and start a limited
number of downloads per hour. The message tells you how long to wait; after that, simply try
again. Nothing you already asked for is lost. If you often hit the limit, ask the server owner.

## A download failed or was refused {#download-failed}

- **Host not allowed**: only some sites (YouTube by default) may be downloaded from. Ask the
  server owner if you need another one.
- **Playlist too large**: a playlist has a maximum number of videos; split it, or ask.
- **Disk full**: the server keeps some free space in reserve and pauses downloads below it. Try
  again later; the server owner has been told.
- **The video site did not answer**, or a video is private, removed or age-restricted: try again
  later, or leave that video out. Finished videos of a playlist are kept.

## Sign-in problems {#sign-in}

- **Waiting for approval**: new accounts may need the server owner's approval. You can sign in as
  soon as they approve you; nothing else is needed.
- **No access to this server**: your Plex account is not shared on this Plex server. Ask the
  server owner to share the library with your Plex account.
- **Account suspended**: the server owner has paused your account; ask them.
- **Plex window does not open**: allow pop-ups for this site, or use the link shown instead.
- **Too many failed sign-ins**: wait 15 minutes, then try again.

## The library does not load {#library-not-loading}

The library comes straight from Plex. If Plex is down or restarting, the library shows what it
saw last or a notice; try again in a few minutes. Check the dashboard: if Plex is marked down,
the server owner already knows.
"""

RELATED_APPS = """\
Apps that work with {{server_name}}.

## Plex {#plex}

- [Plex in your browser](https://app.plex.tv) (app.plex.tv): watch everything on any computer.
- [Plex apps](https://www.plex.tv/apps-devices/) for phones, tablets, smart TVs, consoles and
  streaming sticks. Sign in with the same Plex account.

## Requests {#requests}

MediaNest files your requests through **Overseerr** (or Jellyseerr / Seerr). You do not need to
open it yourself; the *Requests* page here does the same as you.

## Service status {#status}

The dashboard shows what **Uptime Kuma** monitors, live.

## Links from the server owner {#links}

{{quick_links}}
"""

DEFAULT_PAGES: tuple[DefaultPage, ...] = (
    DefaultPage("getting-started", "Getting started", GETTING_STARTED),
    DefaultPage("faq", "FAQ", FAQ),
    DefaultPage("related-apps", "Related apps", RELATED_APPS),
)


def faq_anchor(error: DomainError | None, default: str) -> str:
    """The FAQ entry that explains an error shown to someone (rate limit and outages first)."""
    if isinstance(error, RateLimited):
        return FAQ_RATE_LIMIT
    if isinstance(error, ServiceDown):
        return FAQ_SERVICE_DOWN
    return default
