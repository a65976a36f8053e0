from taskdeflint.cli import main

main()
