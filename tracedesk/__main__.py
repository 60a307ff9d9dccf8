from tracedesk.cli import main

main()
