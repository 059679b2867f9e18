"""The pycolonies-like server: service layer, stores and transports."""
