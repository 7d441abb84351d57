"""The local playground: try every conversation in a browser, without Slack or Teams (demo only)."""
