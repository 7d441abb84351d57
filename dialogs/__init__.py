"""Platform-neutral conversations: inbound and outbound values and one state machine per flow."""
