from habilitant.cli import main

main()
