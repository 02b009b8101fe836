"""Following the index: a server answers from a generation another process wrote within
about a second, without a restart and without failing a request.

Every served course runs a task (in its app's lifespan) that calls ``Bot.refresh``
every ``FOLLOW_SECONDS``, in a worker thread since a large index takes a while to
load. A question holds the index it started with, so a swap fails none. A generation
that cannot be loaded is reported once and tried again at every tick; the index held
meanwhile keeps answering. The writer follows too: with several replicas on one
machine any of them may write, and each picks up what the others wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

from bot.errors import BotError
from bot.pipeline import Bot

#: How often a server looks at ``CURRENT`` (one small read when nothing changed).
FOLLOW_SECONDS = 1.0


@contextlib.asynccontextmanager
async def following(bot: Bot) -> AsyncIterator[None]:
    """Follow ``bot``'s index folder while the block runs (an app's lifespan)."""
    task = asyncio.create_task(_follow(bot))
    task.add_done_callback(_report_crash)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _follow(bot: Bot) -> None:
    reported = ""
    while True:
        await asyncio.sleep(FOLLOW_SECONDS)
        try:
            swapped = await asyncio.to_thread(bot.refresh)
        except BotError as exc:
            if str(exc) != reported:  # once, not every second
                _say(f"warning: {exc}; still answering from the index loaded before")
            reported = str(exc)
            continue
        reported = ""
        if swapped:
            _say(f"{bot.course.title}: now answering from index {bot.store.generation}")


def _report_crash(task: asyncio.Task[None]) -> None:
    """A follower that stopped on an unexpected error says so (a task's error is otherwise
    only logged when it is garbage-collected)."""
    if not task.cancelled() and task.exception() is not None:
        _say(f"error: the index follower stopped ({task.exception()!r}); restart the server")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
