"""The rule machinery: the catalogue of rules, the schema stage, and the linter that runs both on what the
readers found, places the findings and applies the policy. It imports the readers, never the checks by
name (a rule's `check` string names its function), the formats, `lint` or the CLI."""
