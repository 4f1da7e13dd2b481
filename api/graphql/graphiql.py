"""GraphiQL served from torihiki itself: no request of the page leaves the machine.

Strawberry's own page loads React, GraphiQL and its explorer plugin from a public CDN,
so without internet it stays on "Loading…". The same files (the versions Strawberry
pins, same bytes: their sha384 equals Strawberry's integrity attributes) are committed
under `api/static/graphiql/` with a manifest of versions and hashes; the page loads
them from `/graphql/assets/` with subresource integrity, and says so visibly when one
cannot be loaded. js-cookie is not needed: torihiki checks the Origin, not a CSRF cookie.
"""

from __future__ import annotations

import functools
import gzip
import html
import json
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ASSET_DIR = Path(__file__).resolve().parents[1] / "static" / "graphiql"
ASSET_PREFIX = "/graphql/assets/"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

EXAMPLE_QUERY = """# torihiki GraphiQL: run with Ctrl-Enter or the ▶ button.
# Mails sent in development: /dev/mailbox (their links open here, filled in).
# The schema is in the Docs pane; the guide is docs/graphql-guide.md.
query Catalog {
  store { name }
  products(first: 5) {
    totalCount
    nodes { code name price { display { amount currency } taxIncluded } }
  }
}
"""


@functools.cache
def manifest() -> dict[str, dict[str, Any]]:
    data = json.loads((ASSET_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in data["files"]}


def _url(name: str) -> str:
    return f"{ASSET_PREFIX}{name}?v={manifest()[name]['sha256'][:12]}"


def _script(name: str) -> str:
    sri = manifest()[name]["sha384"]
    return (
        f'<script src="{_url(name)}" integrity="{sri}" '
        'onerror="torihikiAssetFailed(this.src)"></script>'
    )


def _style(name: str) -> str:
    sri = manifest()[name]["sha384"]
    return (
        f'<link rel="stylesheet" href="{_url(name)}" integrity="{sri}" '
        'onerror="torihikiAssetFailed(this.href)">'
    )


@functools.cache
def page_html() -> str:
    versions = ", ".join(sorted({f"{e['package']} {e['version']}" for e in manifest().values()}))
    return (
        PAGE.replace("{{styles}}", _style("graphiql.min.css") + _style("plugin-explorer.css"))
        .replace(
            "{{scripts}}",
            "".join(
                _script(n)
                for n in (
                    "react.production.min.js",
                    "react-dom.production.min.js",
                    "graphiql.min.js",
                    "plugin-explorer.umd.js",
                )
            ),
        )
        .replace("{{versions}}", html.escape(versions))
        .replace("{{example}}", json.dumps(EXAMPLE_QUERY))
    )


@functools.cache
def _asset(name: str) -> tuple[bytes, bytes]:
    raw = (ASSET_DIR / name).read_bytes()
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in manifest():
        return Response("not found", status_code=404, media_type="text/plain")
    raw, packed = _asset(name)
    headers = {
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
        "vary": "accept-encoding",
    }
    media = MEDIA_TYPES[Path(name).suffix]
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["content-encoding"] = "gzip"
        return Response(packed, media_type=media, headers=headers)
    return Response(raw, media_type=media, headers=headers)


def routes() -> list[Route]:
    return [Route(ASSET_PREFIX + "{name}", asset, methods=["GET", "HEAD"])]


PAGE = """<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>torihiki GraphiQL</title>
<meta name="generator" content="{{versions}}">
<style>
body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
#graphiql { height: 100vh; display: flex; }
#graphiql.failed { display: block; font-family: sans-serif; padding: 2em; height: auto; }
.graphiql-explorer-actions select { margin-left: 4px; }
</style>
<script>
function torihikiAssetFailed(url) {
  var box = document.getElementById("graphiql");
  if (!box) { window.__torihikiFailed = url; return; }
  box.className = "failed";
  box.textContent = "GraphiQL could not load " + url + " from this server " +
    "(a missing file or a failed integrity check). torihiki serves GraphiQL itself " +
    "from api/static/graphiql/; reinstall it or check that file against manifest.json. " +
    "POST queries to this URL still work.";
}
</script>
{{styles}}
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript. POST GraphQL requests to this URL as JSON.</noscript>
{{scripts}}
<script>
(function () {
  if (window.__torihikiFailed) { torihikiAssetFailed(window.__torihikiFailed); return; }
  if (typeof GraphiQL === "undefined" || typeof GraphiQLPluginExplorer === "undefined") {
    torihikiAssetFailed("GraphiQL's scripts"); return;
  }
  var parameters = {};
  new URLSearchParams(window.location.search).forEach(function (value, key) {
    parameters[key] = value;
  });
  function updateURL(data) {
    Object.assign(parameters, data);
    var search = new URLSearchParams();
    Object.keys(parameters).forEach(function (key) {
      if (parameters[key]) { search.set(key, parameters[key]); }
    });
    history.replaceState(null, "", "?" + search.toString());
  }
  var fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  function App() {
    var q = React.useState(parameters.q || {{example}});
    var v = React.useState(parameters.variables);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      query: q[0],
      variables: v[0],
      onEditQuery: function (x) { q[1](x); updateURL({ q: x }); },
      onEditVariables: function (x) { v[1](x); updateURL({ variables: x }); },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    });
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
</script>
</body>
</html>
"""
