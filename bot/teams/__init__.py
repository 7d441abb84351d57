"""Microsoft Teams: the Agents SDK on `/api/messages`, Adaptive Cards and proactive messages."""
