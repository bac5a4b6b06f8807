"""The server's side of agent apps: their store, HTTP schemas, the chat feed, and skills resolved against
this server's workflows (the loop itself is the top-level ``agents`` package)."""
