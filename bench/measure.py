#!/usr/bin/env python3
"""measure.py CMD... - runs CMD, then prints one JSON line on stderr with
its wall time (s), user and system CPU time (s) and peak RSS (KiB) of the
child (getrusage(RUSAGE_CHILDREN)). Exit status is CMD's."""
import json
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
rc = subprocess.call(sys.argv[1:])
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
                  "maxrss_kib": ru.ru_maxrss}), file=sys.stderr)
sys.exit(rc)
