"""serve_report.py - the figures of one bench/serve.sh phase: wrk's output
and the server's trace (the lines the phase added).

usage: serve_report.py WRK_OUT TRACE FIRST_LINE CPU_MS CONNS SECS LAT_MS
"""
import json
import re
import sys


def wrk_ms(text):
    """wrk's duration ("800.00us", "1.23ms", "2.00s") in milliseconds."""
    v = float(re.match(r"[\d.]+", text).group(0))
    if text.endswith("us"):
        return v / 1000
    if text.endswith("ms"):
        return v
    return v * 1000


def pct(a, p):
    a = sorted(a)
    return a[min(len(a) - 1, int(len(a) * p))] if a else float("nan")


def main():
    wrk_out, trace, first, cpu, conns, secs, lat = sys.argv[1:8]
    wrk = open(wrk_out).read()

    def num(pat, default="0"):
        m = re.search(pat, wrk)
        return m.group(1) if m else default

    reqs = int(num(r"(\d+) requests in"))
    rps = float(num(r"Requests/sec:\s+([\d.]+)"))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), "
                     r"write (\d+), timeout (\d+)", wrk)
    sock_n = sum(int(x) for x in sock.groups()) if sock else 0
    non2xx = int(num(r"Non-2xx or 3xx responses: (\d+)"))
    p50 = wrk_ms(num(r"\n\s+50%\s+(\S+)", "0ms"))
    p99 = wrk_ms(num(r"\n\s+99%\s+(\S+)", "0ms"))
    with open(trace) as f:
        rows = [json.loads(line) for i, line in enumerate(f)
                if i >= int(first)]
    route = [r for r in rows
             if r["name"] == "route" and r["route"] == "/invocations"]
    queue = [r["ms"] for r in rows if r["name"] == "queue"]
    status = {}
    for r in rows:
        if r["name"] == "request" and r["route"] == "/invocations":
            status[r["http_status"]] = status.get(r["http_status"], 0) + 1
    over = [r["ms"] - r["lm_ms"] for r in route]
    steps = {}
    for r in rows:
        if r["name"] in ("memory.read", "retrieve", "memory.write"):
            steps.setdefault(r["name"], []).append(r["ms"])
    print("  %s connections, %s s, test LM at %s ms: %d requests (%.0f/s), "
          "%d errors (socket %d, non-2xx %d; target 0); statuses traced: %s"
          % (conns, secs, lat, reqs, rps, sock_n + non2xx, sock_n, non2xx,
             ", ".join("%s: %d" % kv for kv in sorted(status.items()))))
    print("  client latency p50 %.1f ms, p99 %.1f ms" % (p50, p99))
    print("  overhead beyond the LM (route span - its LM spans, %d requests):"
          " p50 %.2f ms, p99 %.2f ms (target p50 < 2 ms); LM p50 %.1f ms"
          % (len(over), pct(over, 0.5), pct(over, 0.99),
             pct([r["lm_ms"] for r in route], 0.5)))
    print("  queue wait p50 %.2f ms, p99 %.2f ms; server CPU %.2f ms per "
          "request; steps p50/p99 ms: %s"
          % (pct(queue, 0.5), pct(queue, 0.99),
             float(cpu) / max(1, len(route)),
             ", ".join("%s %.2f/%.2f" % (n, pct(v, 0.5), pct(v, 0.99))
                       for n, v in sorted(steps.items()))))


if __name__ == "__main__":
    main()
