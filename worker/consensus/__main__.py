import os
import sys

from worker.consensus.cli import main

# The run's objects (every subject's answers, readings and outcomes, millions of them) are
# kept rather than freed one by one on the way out: a few percent of a big file's time, for
# memory the system takes back at once. Everything was written and closed; only the
# standard streams remain to flush.
kept: list[object] = []
code = main(keep=kept)
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
