[
  {
    "name": "api",
    "image": "${image}",
    "essential": true,
    "portMappings": [{"containerPort": 3000, "protocol": "tcp"}],
    "healthcheck": {
      "command": ["CMD-SHELL", "wget -q -O - http://localhost:3000/health || exit 1"],
      "interval": 30,
      "timeout": 5,
      "retries": 3
    },
    "logConfiguration": {
      "logDriver": "awslogs",
      "options": {
        "awslogs-group": "/ecs/api",
        "awslogs-region": "${region}",
        "awslogs-stream-prefix": "api"
      }
    },
    "readonlyRootFilesystem": true,
    "user": "node",
    "restartPolicy": null,
    "memoryReservation": 256,
    "dependson": [],
    "enviroment": [{"name": "NODE_ENV", "value": "production"}]
  }
]
