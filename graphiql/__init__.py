"""GraphiQL, served by this server from the pinned npm files beside this module (no CDN, see MANIFEST.json)."""

from pathlib import Path

ASSETS = Path(__file__).parent
PAGE = ASSETS / "index.html"
