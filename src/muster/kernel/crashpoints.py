"""Named points where a test can have this process killed, to prove that a crash there leaves
nothing visible half-done and that the next run completes the work.

`reached("issue.placed")` does nothing unless the environment variable MUSTER_CRASH_AT names that
point; then the process sends itself SIGKILL, as `kill -9` would, with nothing flushed or rolled
back politely. Production refuses the variable (muster.kernel.config), so this is a no-op there.

The points (docs/architecture.md, "Crashes"):
- issue.placed           a sharded issue run's summonses have committed, none of their shards;
- issue.shard.<k>        shard k of an issue run has committed (deliveries, measures, events);
- tick.started           a sharded tick's run row has committed, none of its shards;
- tick.shard.<k>         shard k of a tick has committed;
- notice.sent.<channel>  an email or SMS notice has left through its port, not yet recorded as sent.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "MUSTER_CRASH_AT"


def reached(point: str) -> None:
    """Kill this process at once if the environment names `point`."""
    if os.environ.get(VARIABLE) == point:
        os.kill(os.getpid(), signal.SIGKILL)
