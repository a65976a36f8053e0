"""The image builder: `taskdeflint build` builds the images of the services manifest, pushes them, pins
their digests into the task definitions and lints the result.

Only `taskdeflint.builder.dockersdk` imports the Docker SDK; the linter never imports this package.
"""
