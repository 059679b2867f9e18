"""The domain core: models, rules and errors shared by the SDK and the server.

Nothing in this package does I/O or imports grpc or a database driver.
"""
