from taskdeflint.entry import run

run()
