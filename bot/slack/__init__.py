"""Slack: Bolt on aiohttp, Block Kit rendering, identity, the App Home and the outbox sender."""
