"""The citizens of bench/portal_bench.py under locust: each user is one person signed in already
(through the loopback OpenID provider, by portal_bench.py), browsing record -> notices -> measures
-> access log with 1-3 s of think time between pages. Not run by itself: portal_bench.py starts it
with MUSTER_PORTAL_SESSIONS pointing at the signed-in sessions' cookies."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import HttpUser, between, task

SESSIONS = json.loads(Path(os.environ["MUSTER_PORTAL_SESSIONS"]).read_text())
_turn = itertools.count()
PAGES = [("record", "/portal/record/"), ("notices", "/portal/notices/"), ("measures", "/portal/measures/"),
         ("access_log", "/portal/access-log/")]


class Citizen(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        """A session of its own: every user is a distinct person (sessions are reused only when
        --users exceeds the people signed in, which portal_bench.py does not do)."""
        self.client.cookies.update(SESSIONS[next(_turn) % len(SESSIONS)])

    @task
    def browse(self) -> None:
        for name, path in PAGES:
            with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
                if response.status_code != 200:  # a redirect here is a lost session: an error
                    response.failure(f"{response.status_code}")
            self.wait()
