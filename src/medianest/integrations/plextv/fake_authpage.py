"""The fake app.plex.tv sign-in page and the demo-only endpoints it posts to.

A browser reaches ``<base>/auth#?clientID=..&code=..&context%5Bdevice%5D%5Bproduct%5D=..`` (or
``#!?``). The fragment never reaches a server, so the page's own script (a separate file, no inline
script or style, so a strict Content-Security-Policy holds) reads it, shows the product name and one
button per account, and posts the choice to ``POST /__fake__/pins/{code}/approve`` (or ``/deny``).
"""

from __future__ import annotations

import html
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from medianest.integrations.plextv.fake_state import (
    Account,
    PinNotFound,
    PlexTvFakeState,
    UnknownAccount,
)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with Plex (demo)</title>
<link rel="stylesheet" href="{root}/auth/app.css">
<script src="{root}/auth/app.js" defer></script>
</head>
<body data-root="{root}">
<main class="card">
<p class="brand">plex<span>.tv</span> <small>demo stand-in</small></p>
<h1>Sign in to <span id="product">an app</span></h1>
<p class="lead">Choose the Plex account to continue with. This page stands in for app.plex.tv
in MediaNest's demo and tests; no password is needed.</p>
<p id="problem" class="problem" role="alert" hidden></p>
<div id="choices">
<div class="accounts">
{buttons}
</div>
<button type="button" id="deny" class="deny">Deny</button>
</div>
<p id="status" class="status" role="status" aria-live="polite"></p>
<p class="fineprint">Code <code id="code">none</code></p>
</main>
</body>
</html>
"""

BUTTON = """<button type="button" class="account" data-account="{username}">
<img src="{root}/users/{uuid}/avatar" alt="" width="40" height="40">
<span class="name">Continue as {title}</span>
<span class="meta">{username} &middot; {access}</span>
</button>"""

SCRIPT = r"""(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var raw = window.location.hash.replace(/^#!?/, "");
  var params = new URLSearchParams(raw.indexOf("?") >= 0 ? raw.slice(raw.indexOf("?") + 1) : "");
  var code = params.get("code");
  var clientID = params.get("clientID");
  var product = params.get("context[device][product]");
  var forward = safeUrl(params.get("forwardUrl"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("#choices button"));

  function safeUrl(value) {
    if (!value) { return null; }
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) { return null; }
  }
  function text(id, value) { document.getElementById(id).textContent = value; }
  function problem(message) {
    var el = document.getElementById("problem");
    el.textContent = message;
    el.hidden = false;
  }
  function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }
  function finish(message) {
    document.getElementById("choices").hidden = true;
    if (forward) {
      text("status", message + " Returning to " + (product || "the app") + "\u2026");
      window.location.assign(forward);
    } else {
      text("status", message + " You can close this window.");
    }
  }
  function send(action, account) {
    busy(true);
    document.getElementById("problem").hidden = true;
    var url = root + "/__fake__/pins/" + encodeURIComponent(code) + "/" + action;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ account: account, clientID: clientID })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) {
          var err = body.errors && body.errors[0];
          throw new Error(err ? err.message : "plex.tv answered " + resp.status);
        }
        finish(action === "approve" ? "Signed in." : "Sign-in denied.");
      });
    }).catch(function (e) { problem(e.message); busy(false); });
  }

  if (product) { text("product", product); }
  if (code) { text("code", code); }
  if (!code || !clientID) {
    problem("This sign-in link lacks " + (code ? "clientID" : "code") +
      ". Expected <base>/auth#?clientID=...&code=...&context%5Bdevice%5D%5Bproduct%5D=...");
    busy(true);
    return;
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.id === "deny") {
        send("deny", null);
      } else {
        send("approve", b.getAttribute("data-account"));
      }
    });
  });
})();
"""

STYLE = """*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
background:#1f2326;color:#eee;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
.card{width:min(30rem,94vw);background:#2b3035;border-radius:12px;padding:2rem;
box-shadow:0 10px 40px rgba(0,0,0,.4)}
.brand{margin:0 0 1rem;font-weight:800;font-size:1.5rem;letter-spacing:-.02em}
.brand span{color:#e5a00d}.brand small{font-weight:400;font-size:.8rem;color:#9aa3ab}
h1{font-size:1.3rem;margin:0 0 .5rem}.lead{color:#b8c0c7;margin:0 0 1.5rem;font-size:.95rem}
.accounts{display:grid;gap:.6rem;margin-bottom:1rem}
button{font:inherit;cursor:pointer;border-radius:8px;border:0}
button:disabled{opacity:.5;cursor:wait}
.account{display:grid;grid-template-columns:40px 1fr;column-gap:.9rem;align-items:center;
text-align:left;padding:.8rem 1rem;background:#e5a00d;color:#1f2326}
.account:hover:not(:disabled),.account:focus-visible{background:#f0b22a;outline:2px solid #fff}
.account img{grid-row:span 2;border-radius:50%;background:#1f2326}
.account .name{font-weight:700;font-size:1.05rem}.account .meta{font-size:.8rem;opacity:.8}
.deny{width:100%;padding:.7rem;background:transparent;color:#eee;border:1px solid #5a6168}
.deny:hover:not(:disabled){background:#3a4046}
.problem{background:#5c1f1f;border-radius:8px;padding:.7rem 1rem;color:#ffd7d7}
.status{font-weight:600;min-height:1.5em}.fineprint{color:#8a939b;font-size:.8rem;margin:0}
"""


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _access_note(state: PlexTvFakeState, account: Account) -> str:
    if account.is_owner:
        return f"owns {state.server_name}"
    if account.has_server_access:
        return f"shared access to {state.server_name}"
    return f"no access to {state.server_name}"


def render_page(state: PlexTvFakeState, root: str) -> str:
    esc = html.escape
    buttons = "\n".join(
        BUTTON.format(
            username=esc(a.username),
            uuid=esc(a.uuid),
            title=esc(a.title),
            access=esc(_access_note(state, a)),
            root=esc(root),
        )
        for a in state.accounts.values()
    )
    return PAGE.format(root=esc(root), buttons=buttons)


async def auth_page(request: Request) -> Response:
    state: PlexTvFakeState = request.app.state.fake
    return HTMLResponse(render_page(state, _root(request)), headers=PAGE_HEADERS)


async def auth_script(request: Request) -> Response:
    return Response(SCRIPT, media_type="text/javascript; charset=utf-8", headers=PAGE_HEADERS)


async def auth_style(request: Request) -> Response:
    return Response(STYLE, media_type="text/css; charset=utf-8", headers=PAGE_HEADERS)


async def _choice(request: Request) -> dict[str, Any]:
    """The page posts JSON; curl and tests may post a form."""
    if "application/json" in request.headers.get("content-type", ""):
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return {}
        return body if isinstance(body, dict) else {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _client_id(body: dict[str, Any]) -> str | None:
    """The page passes the fragment's clientID so a link built with the wrong one fails."""
    value = body.get("clientID")
    return value if isinstance(value, str) and value else None


def _fail(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "message": message, "status": status}]}, status)


async def approve_pin(request: Request) -> Response:
    """Demo/test only: what clicking "Continue as ..." on app.plex.tv does."""
    state: PlexTvFakeState = request.app.state.fake
    body = await _choice(request)
    username, client_id = body.get("account"), _client_id(body)
    if not isinstance(username, str) or not username:
        return _fail(400, 1000, "account is missing")
    try:
        pin = state.approve(request.path_params["code"], username, client_id)
    except PinNotFound:
        return _fail(404, 1020, "Code not found or expired")
    except UnknownAccount:
        return _fail(404, 1001, f"No account named {username}")
    return JSONResponse({"id": pin.id, "code": pin.code, "account": pin.approved_by})


async def deny_pin(request: Request) -> Response:
    state: PlexTvFakeState = request.app.state.fake
    body = await _choice(request)
    try:
        state.deny(request.path_params["code"], _client_id(body))
    except PinNotFound:
        return _fail(404, 1020, "Code not found or expired")
    return JSONResponse({"denied": True})
