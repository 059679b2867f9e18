"""The server's `colonies` commands: `colonies server start|status|alive` and `colonies dev`.

They join the `colonies` group through the `pycolonies_like.commands` entry points
(see setup.cfg), so that the SDK's CLI never imports the server.
"""
