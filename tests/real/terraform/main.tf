resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = templatefile("${path.module}/templates/api-containers.json.tpl", {
    image  = "${aws_ecr_repository.api.repository_url}:${var.image_tag}"
    region = var.region
  })
}
