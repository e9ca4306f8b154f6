import sys

from bench.run import main

try:
    sys.exit(main())
except KeyboardInterrupt:  # everything started was stopped on the way out (run.main's finally)
    print("[bench] interrupted", file=sys.stderr)
    sys.exit(130)
