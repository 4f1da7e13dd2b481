"""GraphiQL works without internet: its assets are torihiki's own files, checked by hash."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re

from api.graphql.graphiql import ASSET_DIR, page_html

MANIFEST = json.loads((ASSET_DIR / "manifest.json").read_text(encoding="utf-8"))


def test_vendored_assets_match_their_manifest():
    names = {entry["file"] for entry in MANIFEST["files"]}
    assert names == {
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
        "plugin-explorer.umd.js",
        "plugin-explorer.css",
    }
    for entry in MANIFEST["files"]:
        data = (ASSET_DIR / entry["file"]).read_bytes()
        assert len(data) == entry["bytes"], entry["file"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        sri = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
        assert sri == entry["sha384"], entry["file"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"])
        assert entry["tarball_integrity"].startswith("sha512-")


def test_page_loads_nothing_from_another_host():
    page = page_html()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert len(urls) == 6
    assert all(u.startswith("/graphql/assets/") for u in urls), urls
    assert "://" not in "".join(urls)
    assert "js.cookie" not in page and "Cookies.get" not in page
    # Every asset carries its integrity hash; a failure to load is said on the page.
    assert page.count('integrity="sha384-') == 6
    assert "torihikiAssetFailed" in page


async def test_graphql_page_and_assets_over_http(http):
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    for url in re.findall(r'(?:src|href)="(/graphql/assets/[^"]+)"', page.text):
        name = url.split("/")[-1].split("?")[0]
        raw = (ASSET_DIR / name).read_bytes()
        plain = await http.get(url, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200 and plain.content == raw
        assert "immutable" in plain.headers["cache-control"]
        packed = await http.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.content == raw  # httpx decodes it
    assert len(gzip.compress((ASSET_DIR / "graphiql.min.js").read_bytes())) < 1_200_000


async def test_only_manifest_files_are_served(http):
    for name in ("manifest.json", "LICENSES.txt", "..%2fgraphiql.py", "nope.js", "%00.js"):
        assert (await http.get(f"/graphql/assets/{name}")).status_code == 404, name
