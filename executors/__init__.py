"""Executors: the runtime that runs functions for a colony, and ready-made ones.

Ready-made executors are plugins (entry point group `pycolonies_like.executors`)
listed by `colonies executor types` and run by `colonies executor start TYPE`.
"""
