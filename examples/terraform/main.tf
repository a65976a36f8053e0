# `terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json` writes plan.json from
# this configuration; `taskdeflint lint plan.json` lints the task definitions in it, and
# `taskdeflint lint container-definitions.json` the container list that file() reads.

resource "aws_iam_role" "execution" {
  name               = "forum-search-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_ecs_task_definition" "search" {
  family                   = "forum-search"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "1024"
  memory                   = "2048"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions    = file("${path.module}/container-definitions.json")

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }

  volume {
    name = "index"
  }

  tags = {
    service = "search"
  }
}

module "indexer" {
  source = "./modules/indexer"
}
