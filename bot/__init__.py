"""The shell: settings, the aiohttp application, platform adapters, scheduler and the CLI."""
