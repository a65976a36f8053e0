"""taskdeflint: lint Amazon ECS task definitions, and build the images they run."""

__version__ = "0.1.0"

# Where the project lives: the help links of SARIF reports point into it, and docs/ci.md, the README and the
# hooks' comments name it (a test keeps them in step). Change it here when the repository moves.
REPOSITORY_URL = "https://github.com/OWNER/taskdeflint"
