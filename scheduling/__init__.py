"""Obligations kept as state and what is due queued into the outbox: between storage and bot.

obligations  each person's due items, recomputed only when their facts or day changed
reminders    the minute tick: what the stored obligations say is due now, planned once
digests      weekly team digests and the monthly summary, read once per council
charts       digest charts drawn in a worker process
locks        one instance per council at a time, through PostgreSQL
scheduler    the tick that runs them, council by council, each failure on its own
runner       the scheduler on its own thread, event loop and database engine inside `serve`
"""
