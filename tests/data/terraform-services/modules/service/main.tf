# One service of the forum behind the shared listener, with Service Connect in its namespace.

variable "name" {
  type = string
}

variable "cluster_arn" {
  type = string
}

variable "execution_role_arn" {
  type = string
}

variable "listener_arn" {
  type = string
}

variable "path" {
  type = string
}

variable "priority" {
  type = number
}

variable "namespace_arn" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "create" {
  type    = bool
  default = true
}

resource "aws_ecs_task_definition" "app" {
  count = var.create ? 1 : 0

  family                   = "forum-${var.name}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = var.execution_role_arn
  container_definitions = jsonencode([{
    name         = var.name
    image        = "public.ecr.aws/docker/library/node:22-alpine"
    essential    = true
    portMappings = [{ name = "http", containerPort = 3000, protocol = "tcp", appProtocol = "http" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/forum"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = var.name
      }
    }
  }])
}

resource "aws_lb_target_group" "app" {
  name        = "forum-${var.name}"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener_rule" "app" {
  listener_arn = var.listener_arn
  priority     = var.priority

  action {
    type = "forward"

    forward {
      target_group {
        arn = aws_lb_target_group.app.arn
      }
    }
  }

  condition {
    path_pattern {
      values = [var.path]
    }
  }
}

resource "aws_ecs_service" "app" {
  name            = var.name
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.app[0].arn
  desired_count   = 2

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets         = var.subnet_ids
    security_groups = var.security_group_ids
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = var.name
    container_port   = 3000
  }

  service_connect_configuration {
    enabled   = true
    namespace = var.namespace_arn

    service {
      port_name = "http"

      client_alias {
        port = 3000
      }
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_lb_listener_rule.app]
}
