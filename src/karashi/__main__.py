from karashi.cli.main import main

main()
