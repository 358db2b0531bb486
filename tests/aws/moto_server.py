"""moto in server mode as a real subprocess on a free loopback port: start, wait until it answers, reset, stop."""

from __future__ import annotations

import sys
import urllib.request

from tests.processes import HOST, LoopbackServer


class MotoServer(LoopbackServer):
    """One moto server process (`tests.aws.serial_moto`). State lives in that process only: `reset` wipes it,
    `stop` ends it."""

    name = "moto server"

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-u", "-m", "tests.aws.serial_moto", "-H", HOST, "-p", str(port)]

    def answers(self, port: int) -> bool:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/", timeout=1) as response:
            return bool(response.status == 200)

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the moto server is not started")
        return f"http://{HOST}:{self.port}"

    def reset(self) -> None:
        """Wipe every table, bucket and object of every service: moto's own `/moto-api/reset` (POST only)."""
        request = urllib.request.Request(self.url + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"moto reset answered {response.status}")
