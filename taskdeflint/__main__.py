from taskdeflint.cli import main

main(prog_name="taskdeflint")
