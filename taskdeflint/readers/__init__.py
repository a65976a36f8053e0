"""The readers: any input form (JSON, YAML, a CloudFormation template, a Terraform plan, a container list,
a template with placeholders) turned into the task definitions it holds, each with the positions of its
values in the file. Readers know nothing of rules: they import only each other and the floor modules
(`model`, `positions`, `data`, `config`, `findings`)."""
