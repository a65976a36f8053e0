"""taskdeflint: lint Amazon ECS task definitions, and build the images they run."""

__version__ = "0.1.0"
