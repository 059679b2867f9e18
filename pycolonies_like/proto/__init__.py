"""Generated protobuf code (run `make protos`); do not edit by hand."""
