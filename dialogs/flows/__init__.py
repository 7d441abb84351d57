"""One module per conversation; `dialogs.registry` lists them."""
