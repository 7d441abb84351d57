"""The application's shared objects by typed key; surfaces import these, never bot.app itself.

(bot.app imports every surface, so a surface importing bot.app would tie Slack and Teams together.)
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.conversation import Conversations
from bot.dispatcher import Dispatcher, Sender
from bot.scheduler import Scheduler
from bot.settings import Settings
from scheduling.runner import SchedulerThread

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
CLOCK = web.AppKey("clock", Clock)
CONVERSATIONS = web.AppKey("conversations", Conversations)
SENDERS = web.AppKey("senders", dict[str, Sender])
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SCHEDULER = web.AppKey("scheduler", Scheduler)
# Set when the scheduler runs on its own thread (serve, worker); absent when a test drives it.
SCHEDULER_THREAD = web.AppKey("scheduler_thread", SchedulerThread)
