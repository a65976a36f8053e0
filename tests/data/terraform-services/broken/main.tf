# A shop whose services each break one rule, behind one Application Load Balancer and found through
# Cloud Map. plan.json is written as `terraform show -json` prints the plan of this configuration with
# the AWS provider 6 (format 1.2, pretty-printed as `jq .` does).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "vpc_id" {
  type    = string
  default = "vpc-0c5e1f2a3b4d6e7f8"
}

variable "subnet_ids" {
  type    = list(string)
  default = ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"]
}

locals {
  network = {
    subnets         = var.subnet_ids
    security_groups = ["sg-0f1e2d3c4b5a69788"]
  }
}

resource "aws_iam_role" "execution" {
  name = "shop-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

resource "aws_lb" "public" {
  name               = "shop"
  internal           = false
  load_balancer_type = "application"
  subnets            = var.subnet_ids
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not found"
      status_code  = "404"
    }
  }
}

resource "aws_service_discovery_private_dns_namespace" "internal" {
  name = "shop.internal"
  vpc  = var.vpc_id
}

resource "aws_service_discovery_service" "a" {
  name = "shop-a"

  dns_config {
    namespace_id = aws_service_discovery_private_dns_namespace.internal.id

    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}

resource "aws_service_discovery_service" "srv" {
  name = "shop-srv"

  dns_config {
    namespace_id = aws_service_discovery_private_dns_namespace.internal.id

    dns_records {
      ttl  = 10
      type = "SRV"
    }
  }
}

resource "aws_lb_target_group" "ip" {
  name        = "shop-ip"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_target_group" "instance" {
  name        = "shop-instance"
  port        = 8080
  protocol    = "HTTP"
  target_type = "instance"
  vpc_id      = var.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_target_group" "bridge" {
  name        = "shop-bridge"
  port        = 8080
  protocol    = "HTTP"
  target_type = "instance"
  vpc_id      = var.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_target_group" "orphan" {
  name        = "shop-orphan"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener_rule" "ip" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ip.arn
  }

  condition {
    path_pattern {
      values = ["/shop/*"]
    }
  }
}

resource "aws_lb_listener_rule" "instance" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 20

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.instance.arn
  }

  condition {
    path_pattern {
      values = ["/cart/*"]
    }
  }
}

resource "aws_lb_listener_rule" "bridge" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 30

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.bridge.arn
  }

  condition {
    path_pattern {
      values = ["/legacy/*"]
    }
  }
}

resource "aws_lb_listener_rule" "search" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 40

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ip.arn
  }

  condition {
    path_pattern {
      values = ["/search/*"]
    }
  }
}

resource "aws_lb_listener_rule" "search_v2" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 40

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ip.arn
  }

  condition {
    path_pattern {
      values = ["/v2/search/*"]
    }
  }
}

resource "aws_ecs_task_definition" "web" {
  family                   = "shop-web"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name         = "web"
    image        = "public.ecr.aws/nginx/nginx:1.27"
    essential    = true
    portMappings = [{ name = "http", containerPort = 8080, protocol = "tcp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/shop"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = "web"
      }
    }
  }])
}

resource "aws_ecs_task_definition" "legacy" {
  family                   = "shop-legacy"
  requires_compatibilities = ["EC2"]
  network_mode             = "bridge"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name         = "app"
    image        = "public.ecr.aws/nginx/nginx:1.27"
    essential    = true
    memory       = 256
    portMappings = [{ containerPort = 8080, hostPort = 0, protocol = "tcp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/shop"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = "legacy"
      }
    }
  }])
}

resource "aws_ecs_task_definition" "ec2" {
  family                   = "shop-ec2"
  requires_compatibilities = ["EC2"]
  network_mode             = "awsvpc"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name         = "web"
    image        = "public.ecr.aws/nginx/nginx:1.27"
    essential    = true
    memory       = 256
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/shop"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = "ec2"
      }
    }
  }])
}

resource "aws_ecs_task_definition" "files" {
  family                   = "shop-files"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name         = "web"
    image        = "public.ecr.aws/nginx/nginx:1.27"
    essential    = true
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
    mountPoints  = [{ sourceVolume = "uploads", containerPath = "/srv/uploads" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/shop"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = "files"
      }
    }
  }])

  volume {
    name = "uploads"

    efs_volume_configuration {
      file_system_id     = "fs-0123456789abcdef0"
      root_directory     = "/"
      transit_encryption = "ENABLED"
    }
  }
}

# TDL801: the task definition's container is web
resource "aws_ecs_service" "lb_container" {
  name            = "lb-container"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.ip.arn
    container_name   = "app"
    container_port   = 8080
  }

  depends_on = [aws_lb_listener_rule.ip]

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL802: web maps port 8080, not 8081
resource "aws_ecs_service" "lb_port" {
  name            = "lb-port"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.ip.arn
    container_name   = "web"
    container_port   = 8081
  }

  depends_on = [aws_lb_listener_rule.ip]

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL803: an instance target group for an awsvpc task
resource "aws_ecs_service" "target_type" {
  name            = "target-type"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.instance.arn
    container_name   = "web"
    container_port   = 8080
  }

  depends_on = [aws_lb_listener_rule.instance]

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL804: an awsvpc task without network_configuration
resource "aws_ecs_service" "no_network" {
  name            = "no-network"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL805: network_configuration for a bridge task
resource "aws_ecs_service" "network_on_bridge" {
  name            = "network-on-bridge"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.legacy.arn
  desired_count   = 2
  launch_type     = "EC2"

  load_balancer {
    target_group_arn = aws_lb_target_group.bridge.arn
    container_name   = "app"
    container_port   = 8080
  }

  depends_on = [aws_lb_listener_rule.bridge]

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL806: a launch type and a capacity provider strategy
resource "aws_ecs_service" "launch_and_capacity" {
  name            = "launch-and-capacity"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL807: a public IP with the EC2 launch type
resource "aws_ecs_service" "public_ip_ec2" {
  name            = "public-ip-ec2"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.ec2.arn
  desired_count   = 2
  launch_type     = "EC2"

  network_configuration {
    subnets          = local.network.subnets
    security_groups  = local.network.security_groups
    assign_public_ip = true
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL808: Fargate runs only awsvpc tasks
resource "aws_ecs_service" "fargate_on_bridge" {
  name            = "fargate-on-bridge"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.legacy.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL809: EFS volumes need platform version 1.4.0
resource "aws_ecs_service" "old_platform" {
  name            = "old-platform"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.files.arn
  desired_count   = 2
  launch_type      = "FARGATE"
  platform_version = "1.3.0"

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL810: port and container_name/container_port
resource "aws_ecs_service" "registry_port_and_container" {
  name            = "registry-port-and-container"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  service_registries {
    registry_arn   = aws_service_discovery_service.srv.arn
    port         = 8080
    container_name = "web"
    container_port = 8080
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL811: no container api
resource "aws_ecs_service" "registry_container" {
  name            = "registry-container"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  service_registries {
    registry_arn   = aws_service_discovery_service.srv.arn
    container_name = "api"
    container_port = 8080
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL812: A records take no port
resource "aws_ecs_service" "registry_a_with_port" {
  name            = "registry-a-with-port"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  service_registries {
    registry_arn   = aws_service_discovery_service.a.arn
    port         = 8080
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL813: a bridge task needs container_name and container_port
resource "aws_ecs_service" "registry_bridge" {
  name            = "registry-bridge"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.legacy.arn
  desired_count   = 2
  launch_type     = "EC2"

  service_registries {
    registry_arn   = aws_service_discovery_service.srv.arn
    port         = 8080
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL814: the port mapping is named http
resource "aws_ecs_service" "service_connect_port" {
  name            = "service-connect-port"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  service_connect_configuration {
    enabled   = true
    namespace = "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-k3vs2vq4ebvbfz5q"

    service {
      port_name = "grpc"

      client_alias {
        port = 8080
      }
    }
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL815: a grace period without a load balancer
resource "aws_ecs_service" "grace_without_lb" {
  name            = "grace-without-lb"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 60

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL816: one task, at least 100% healthy and at most 100% running
resource "aws_ecs_service" "cannot_progress" {
  name            = "cannot-progress"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 1
  launch_type     = "FARGATE"

  deployment_maximum_percent = 100

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL817: no deployment circuit breaker
resource "aws_ecs_service" "no_circuit_breaker" {
  name            = "no-circuit-breaker"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }
}

# TDL818: no listener rule forwards to the orphan target group
resource "aws_ecs_service" "not_attached" {
  name            = "not-attached"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.orphan.arn
    container_name   = "web"
    container_port   = 8080
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL820: Fargate does not run daemons
resource "aws_ecs_service" "daemon_on_fargate" {
  name            = "daemon-on-fargate"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  launch_type         = "FARGATE"
  scheduling_strategy = "DAEMON"

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL821: only Fargate takes a platform version
resource "aws_ecs_service" "platform_on_ec2" {
  name             = "platform-on-ec2"
  cluster          = "shop"
  task_definition  = aws_ecs_task_definition.ec2.arn
  desired_count    = 2
  launch_type      = "EC2"
  platform_version = "LATEST"

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL823: awsvpc tasks register with target groups, not Classic Load Balancers
resource "aws_ecs_service" "classic_elb" {
  name            = "classic-elb"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  load_balancer {
    elb_name       = "shop-classic"
    container_name = "web"
    container_port = 8080
  }

  network_configuration {
    subnets         = local.network.subnets
    security_groups = local.network.security_groups
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}

# TDL825: dynamic host ports behind a target group that health-checks a fixed port of the instance
resource "aws_ecs_task_definition" "dynamic" {
  family                   = "shop-dynamic"
  requires_compatibilities = ["EC2"]
  network_mode             = "bridge"
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name         = "app"
    image        = "public.ecr.aws/nginx/nginx:1.27"
    essential    = true
    memory       = 256
    portMappings = [{ containerPort = 8080, protocol = "tcp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/shop"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = "dynamic"
      }
    }
  }])
}

resource "aws_lb_target_group" "fixed_health_port" {
  name        = "shop-fixed-health-port"
  port        = 8080
  protocol    = "HTTP"
  target_type = "instance"
  vpc_id      = var.vpc_id

  health_check {
    path = "/health"
    port = "8080"
  }
}

resource "aws_lb_listener_rule" "fixed_health_port" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 50

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.fixed_health_port.arn
  }

  condition {
    path_pattern {
      values = ["/status/*"]
    }
  }
}

resource "aws_ecs_service" "fixed_health_port" {
  name            = "fixed-health-port"
  cluster         = "shop"
  task_definition = aws_ecs_task_definition.dynamic.arn
  desired_count   = 2
  launch_type     = "EC2"

  load_balancer {
    target_group_arn = aws_lb_target_group.fixed_health_port.arn
    container_name   = "app"
    container_port   = 8080
  }

  depends_on = [aws_lb_listener_rule.fixed_health_port]

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}
