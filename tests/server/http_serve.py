"""http_serve.py - the HTTP server the test servers run on (fake_llm.py):
a thread per connection with a listen backlog for hundreds of clients at
once (the standard library's default backlog of 5 makes the kernel drop
connections under a load bench: bench/serve.sh opens 200), the port
file, and the run loop that stops on SIGTERM/SIGINT or when the parent
process is gone."""

import os
import signal
import threading
from http.server import ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def run(server, port_file, stop, detach, parent):
    """Serves until `stop` (a threading.Event) is set by a signal or, when
    not `detach`, the process `parent` is no longer our parent."""
    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=server.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    write_port_file(port_file, server.server_address[1])
    while not stop.wait(0.5):
        if not detach and os.getppid() != parent:
            break  # the parent is gone: do not linger as an orphan
    server.shutdown()
    server.server_close()
