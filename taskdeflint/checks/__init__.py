"""Checks too rich for a schema fragment, one module per rule category.

A check takes a `TaskDef` and yields `(pointer, message)` pairs; pointers are relative to the task
definition (`/containerDefinitions/0/memory`), messages name the container and the values involved.
"""
