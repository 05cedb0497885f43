import sys

from worker.consensus.cli import main

sys.exit(main())
