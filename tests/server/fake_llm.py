#!/usr/bin/env python3
"""fake_llm.py - a local OpenAI-compatible chat-completions server for tests.

Every integration test of metagen talks to this server instead of a real
LM. Python 3 standard library only. It binds 127.0.0.1 only.

USAGE
    python3 tests/server/fake_llm.py --port-file FILE [--port 0]
        [--script SCRIPT.json] [--record REC.jsonl] [--latency-ms N]
        [--fault-rate R] [--fault-kinds 429,500,garbage,...] [--seed S]
        [--require-key KEY] [--hang-seconds S] [--verbose]
        [--models ID,..] [--models-fault K]

    --port-file FILE   written (tmp file + rename) with the real port once the
                       server listens; wait for it to appear.
    --port N           port to bind (default 0 = any free port).
    --script FILE      scripted answers and faults (see SCRIPT).
    --record FILE      append one JSON line per request (see RECORD).
    --latency-ms N     extra latency for every request.
    --fault-rate R     probability (0..1) of a random fault for requests that
                       have no script step; kinds from --fault-kinds, drawn
                       from a generator seeded with --seed (default 0).
    --fault-kinds K,.. default "429,500,garbage,fence,truncate,reorder,missing"
    --require-key KEY  requests without "Authorization: Bearer KEY" get 401
                       {"error": {"message": "invalid api key",
                                  "type": "auth", "code": 401}}
    --hang-seconds S   how long a "hang" fault sleeps when the step gives no
                       "seconds" (default 600).
    --models ID,..     the model ids GET <anything>/models lists (default
                       "m,test-model", the names metagen's tests use). Chat
                       requests are answered whatever model they name.
    --models-fault K   GET .../models answers with fault K instead: "401",
                       "403", "404" (no such route, as Databricks serving
                       endpoints), "500", "hang" (sleeps --hang-seconds,
                       then closes), "http_garbage" (200, not JSON),
                       "error200" (200 whose body is {"error": {...}}).
    --verbose          log requests to stderr.
    --detach           keep running when the parent process exits. Without
                       it the server stops within ~0.5 s of its parent's
                       exit, so a crashed test or a shell case run in a
                       subshell leaves no server behind.
    Stops cleanly on SIGTERM / SIGINT (hanging requests are abandoned).
    tests/server/start_fake_llm.sh starts it in the background for shells.

ROUTES
    GET  /health                   200 "ok"
    GET  <anything>/models         {"object": "list", "data": [{"id": ID,
                                    "object": "model", "owned_by": "fake"}]}
                                   (after --require-key's check; see
                                   --models, --models-fault). Not recorded.
    POST <anything>/chat/completions
                                   an OpenAI chat completion, e.g.
                                   /v1/chat/completions or
                                   /serving-endpoints/chat/completions
    POST <anything>/embeddings     hashed bag-of-words vectors of
                                   --embed-dim N numbers (default 384);
                                   script key "embeddings", faults and
                                   record: tests/server/fake_embed.py
    anything else                  404 with an OpenAI-style error body.

WHICH TABLE IS ASKED ABOUT
    In the LAST user message the server looks for the first JSON object
    (json.JSONDecoder().raw_decode tried at each "{") that has a
    "table_name" key. Its "columns" (names, or objects with "name") are the
    asked columns: kind "comment". An object with "table_name" and
    "table_descriptions" but no "columns" is a "merge" request. A DSPy-style
    prompt may instead carry a line "[[ ## table_name ## ]]" with the name on
    the next line; the columns then come from the first JSON object of the
    message that has "columns" (none and a "[[ ## table_descriptions ## ]]"
    marker -> merge). Anything else is kind "other".

AUTO ANSWER (the default)
    comment: {"table": "Auto comment for table <t>.", "columns": [asked...],
              "column_contents": ["Auto comment for <t>.<c>." ...]}
    merge:   {"table": "Merged comment for table <t>.", "columns": [],
              "column_contents": []}
    other:   the text "Auto answer." (not JSON)
    finish_reason "stop"; usage prompt_tokens = (total characters of all
    message contents) // 4 + 1, completion_tokens = len(content) // 4 + 1.

SCRIPT (JSON file)
    {"tables": {"<table name or fnmatch glob>": [step, ...], ...},
     "default": [step, ...]}
    A request's table is matched against the keys of "tables" in file order
    (exact name first, then globs); no match (or no table) uses "default".
    Each table name has its own cursor: the n-th request about a table
    consumes its n-th step (thread-safe); once the steps are used up the
    server gives AUTO answers (or random faults, see --fault-rate).
    Steps:
      {"answer": {"table": "T comment", "columns": {"c1": "comment", ...}}}
            a well-formed answer with exactly these columns, in this order.
      {"content": "raw text", "finish_reason": "stop"}
            the given content verbatim.
      {"content_hex": "41ff00", "finish_reason": "stop"}
            content given as hex bytes, sent as they are inside the JSON
            string of the body (so it may be invalid UTF-8: bytes >= 0x80
            go out raw; '"', '\\' and bytes < 0x20 are escaped as \\u00XX,
            so 00 becomes the escape \\u0000).
      {"content": "...", "usage_raw": "{\"prompt_tokens\": 1e308}"}
            any step may give "usage_raw": the raw JSON text of the
            "usage" member of the completion (1e308, -5, 1.5, "12", 1e999
            are all possible there), instead of the computed usage.
      {"fault": K, ...} with K one of
            "429"       429 with header Retry-After: "retry_after" (default 1)
            "500" "503" "400" "401" "404"
                        that status with an OpenAI-style error body (404:
                        "The model `M` does not exist")
            "error200"  200 whose body is {"error": {"message": "upstream
                        provider failed (injected)", ...}}, no choices
            "hang"      sleep "seconds" (default --hang-seconds) then close the
                        connection without an answer
            "garbage"   200, content is prose, not JSON
            "fence"     the AUTO answer inside ```json fences, with a sentence
                        before and after
            "truncate"  the AUTO answer cut at ~60%, finish_reason "length"
            "reorder"   AUTO answer with columns and contents reversed together
                        (still correct by name)
            "missing"   AUTO answer without its last column
            "duplicate" AUTO answer with its last column repeated, new text
            "unknown"   AUTO answer with an extra column "not_a_column"
            "stringify" columns and column_contents as JSON-encoded strings
            "chatter"   prose before and after the raw JSON, no fences
            "http_garbage"  200 whose body is not JSON at all
            "tool_calls"    200 whose message has content null and a
                        tool call (finish_reason "tool_calls")
            "echo"      answers with the request echoed: its request line
                        (path with the query string) and every header, as
                        a proxy's or a debug endpoint's error page would.
                        "status" (default 500) picks the status; with 200
                        the echo is the answer's content, else it is the
                        error message of an OpenAI-style error body.
    Any step may add "latency_ms". A fault step that changes the columns
    ("reorder", "missing", "duplicate", "unknown", "stringify") may add
    "dspy_format": true: the faulty answer is then written in the format
    a DSPy-style prompt asks for (ChatAdapter field markers or the
    JSONAdapter object), as the AUTO answer is, so the adapter parses it
    and the answer's content is what is wrong.

RULES (optional "rules" list in the SCRIPT, checked BEFORE the per-table
steps and the AUTO answer)
    {"rules": [{"when_all": ["text", ...], "when_none": ["text", ...],
                "content": "...", "finish_reason": "stop"}, ...]}
    The request's text is the concatenation, in order, of ALL its messages
    (system, demo pairs, final user), joined with "\n". A rule matches when
    every "when_all" string occurs in that text and no "when_none" string
    does (both optional; plain substring tests, case-sensitive). The first
    matching rule wins and is used as the step (so it may also carry
    "answer", "fault" or "latency_ms" instead of "content"); rules have no
    cursor and never run out. No rule matches -> the table's steps, then
    AUTO. Lets tests answer well only when the prompt carries a given demo
    or instruction (the optimizer tests).

RECORD (JSON lines, appended under a lock and flushed per request)
    {"seq": 1, "time": <unix seconds>, "path": "/v1/chat/completions",
     "table": "t" | null, "kind": "comment" | "merge" | "other",
     "auth": <Authorization header> | null, "body": <request JSON>,
     "status": 200, "fault": "429" | null}
    A hanging request is recorded with status null when it starts hanging.
"""

import argparse
import fnmatch
import json
import os
import random
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

import fake_embed
import http_serve

DEFAULT_FAULT_KINDS = "429,500,garbage,fence,truncate,reorder,missing"
ANSWER_FAULTS = {
    "garbage", "fence", "truncate", "reorder", "missing", "duplicate",
    "unknown", "stringify", "chatter",
}
STATUS_FAULTS = {"429": 429, "500": 500, "503": 503, "400": 400, "401": 401,
                 "404": 404}
ALL_FAULTS = ANSWER_FAULTS | set(STATUS_FAULTS) | {
    "hang", "http_garbage", "tool_calls", "echo", "error200"}
MODELS_FAULTS = {"401", "403", "404", "500", "hang", "http_garbage",
                 "error200"}
ERROR200 = {"error": {"message": "upstream provider failed (injected)",
                      "type": "upstream_error", "code": 502}}
DSPY_TABLE = re.compile(r"^\[\[ ## table_name ## \]\]\s*$", re.M)
DSPY_DESCS = re.compile(r"^\[\[ ## table_descriptions ## \]\]\s*$", re.M)


# ---------------------------------------------------------------- parsing
def message_text(msg):
    """Text of one message: a string, or the text parts of a list."""
    c = msg.get("content") if isinstance(msg, dict) else None
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p.get("text", "") for p in c
                       if isinstance(p, dict) and isinstance(p.get("text"),
                                                             str))
    return ""


def json_objects(text):
    """Yields every JSON object that parses at some "{" of text, in order."""
    dec = json.JSONDecoder()
    i = text.find("{")
    while i != -1:
        try:
            obj, _ = dec.raw_decode(text, i)
            if isinstance(obj, dict):
                yield obj
        except ValueError:
            pass
        i = text.find("{", i + 1)


def column_names(cols):
    """Column names from a list of names or of objects with "name"."""
    out = []
    if not isinstance(cols, list):
        return out
    for c in cols:
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, dict) and isinstance(c.get("name"), str):
            out.append(c["name"])
    return out


def classify(body):
    """(kind, table, columns) of a chat request body."""
    msgs = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(msgs, list):
        return "other", None, []
    users = [m for m in msgs
             if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return "other", None, []
    text = message_text(users[-1])
    for obj in json_objects(text):
        if "table_name" not in obj:
            continue
        table = str(obj["table_name"])
        if "columns" in obj:
            return "comment", table, column_names(obj["columns"])
        if "table_descriptions" in obj:
            return "merge", table, []
        return "other", table, []
    m = DSPY_TABLE.search(text)
    if m:
        rest = text[m.end():].lstrip("\r\n").splitlines()
        table = rest[0].strip() if rest else ""
        for obj in json_objects(text):
            if "columns" in obj:
                return "comment", table, column_names(obj["columns"])
        if DSPY_DESCS.search(text):
            return "merge", table, []
        return "other", table, []
    return "other", None, []


def prompt_chars(body):
    msgs = body.get("messages") if isinstance(body, dict) else None
    return sum(len(message_text(m)) for m in msgs or [])


# ---------------------------------------------------------------- answers
def auto_answer(kind, table, columns):
    """The AUTO answer as a dict, or a string for kind "other"."""
    if kind == "comment":
        return {"table": "Auto comment for table %s." % table,
                "columns": list(columns),
                "column_contents": ["Auto comment for %s.%s." % (table, c)
                                    for c in columns]}
    if kind == "merge":
        return {"table": "Merged comment for table %s." % table,
                "columns": [], "column_contents": []}
    return "Auto answer."


def as_text(ans):
    return ans if isinstance(ans, str) else json.dumps(ans)


CHAT_FIELDS = re.compile(r"Respond with the corresponding output fields,"
                         r"(.*?)and then ending with the marker", re.S)
JSON_FIELDS = re.compile(r"Respond with a JSON object in the following "
                         r"order of fields: (.*?)\.\s*$", re.S)
FIELD_MARK = re.compile(r"\[\[ ## (\w+) ## \]\]")


def dspy_format(body, ans):
    """The AUTO answer in the format a DSPy-style prompt asks for, as a
    model following instructions would write it: ChatAdapter prompts
    ("Respond with the corresponding output fields, starting with the
    field `[[ ## a ## ]]` ...") get "[[ ## a ## ]]" sections ending with
    "[[ ## completed ## ]]"; JSONAdapter prompts ("Respond with a JSON
    object in the following order of fields: `a`, then `b`.") get one
    JSON object. The field named "comments" (or the only field) carries
    the answer (a field named "table", the merge predictor's output,
    carries the answer's "table" text); "reasoning" gets a sentence; "search_query" (the ask
    agent's rewrite) the value of the prompt's `question` input; others
    "Auto answer.".
    Returns None for prompts of neither kind (then the raw answer)."""
    msgs = body.get("messages") if isinstance(body, dict) else None
    users = [m for m in msgs or [] if isinstance(m, dict)
             and m.get("role") == "user"]
    text = message_text(users[-1]) if users else ""
    m = CHAT_FIELDS.search(text)
    names = FIELD_MARK.findall(m.group(1)) if m else []
    jm = None if names else JSON_FIELDS.search(text)
    if jm:
        names = re.findall(r"`(\w+)`", jm.group(1))
    if not names:
        return None

    def value(name):
        if name == "reasoning":
            return "Auto reasoning."
        if name == "search_query":
            return dspy_input(text, "question") or "Auto answer."
        if name == "table" and isinstance(ans, dict) and "table" in ans:
            return ans["table"]  # a merge predictor's `table: str`
        if name == "comments" or len(names) == 1:
            return ans
        return "Auto answer."
    if jm:
        return json.dumps({n: value(n) for n in names})
    parts = ["[[ ## %s ## ]]\n%s" % (n, as_text(value(n))) for n in names]
    return "\n\n".join(parts) + "\n\n[[ ## completed ## ]]"


def dspy_input(text, name):
    """The value of input field `name` in a ChatAdapter user message (the
    text after its "[[ ## name ## ]]" line up to the next marker), or
    None."""
    m = re.search(r"^\[\[ ## %s ## \]\]\s*$" % re.escape(name), text, re.M)
    if not m:
        return None
    rest = text[m.end():]
    nxt = FIELD_MARK.search(rest)
    rest = rest[:nxt.start()] if nxt else rest
    return rest.split("\n\nRespond with", 1)[0].strip()


def faulty_answer(kind, ans):
    """(content, finish_reason) of an answer-shaped fault applied to ans."""
    if kind == "garbage":
        return ("I am sorry, I cannot describe this table right now. "
                "The weather is lovely though.", "stop")
    if isinstance(ans, dict):
        cols = list(ans["columns"])
        texts = list(ans["column_contents"])
        if kind == "reorder":
            cols.reverse()
            texts.reverse()
        elif kind == "missing" and cols:
            cols.pop()
            texts.pop()
        elif kind == "duplicate" and cols:
            cols.append(cols[-1])
            texts.append("Another comment for %s." % cols[-1])
        elif kind == "unknown":
            cols.append("not_a_column")
            texts.append("A column nobody asked about.")
        if kind == "stringify":
            ans = dict(ans, columns=json.dumps(cols),
                       column_contents=json.dumps(texts))
        else:
            ans = dict(ans, columns=cols, column_contents=texts)
    raw = as_text(ans)
    if kind == "fence":
        return ("Sure! Here are the comments you asked for.\n```json\n" + raw +
                "\n```\nLet me know if you need anything else.", "stop")
    if kind == "chatter":
        return ("Here is the JSON for the table:\n" + raw +
                "\nI hope these comments help your data team.", "stop")
    if kind == "truncate":
        return raw[:max(1, int(len(raw) * 0.6))], "length"
    return raw, "stop"


def dspy_faulty(body, content):
    """A faulty answer that is one JSON object, written in the format a
    DSPy-style prompt asks for (dspy_format); other content unchanged."""
    try:
        ans = json.loads(content)
    except ValueError:
        return content
    return dspy_format(body, ans) or content


def step_answer(step):
    """Content and finish_reason of an "answer" or "content" step."""
    if "answer" in step:
        a = step["answer"]
        cols = a.get("columns", {})
        if isinstance(cols, dict):
            names, texts = list(cols.keys()), list(cols.values())
        else:
            names = list(cols)
            texts = list(a.get("column_contents", []))
        return json.dumps({"table": a.get("table", ""), "columns": names,
                           "column_contents": texts}), "stop"
    return str(step.get("content", "")), step.get("finish_reason", "stop")


# ---------------------------------------------------------------- state
class Script:
    """Scripted steps with one cursor per table name (thread-safe)."""

    def __init__(self, data):
        data = data or {}
        self.tables = list((data.get("tables") or {}).items())
        self.default = list(data.get("default") or [])
        self.embed_steps = list(data.get("embeddings") or [])
        self.rules = list(data.get("rules") or [])
        self.cursor = {}
        self.lock = threading.Lock()

    def steps_for(self, table):
        if table is not None:
            for key, steps in self.tables:
                if key == table:
                    return steps
            for key, steps in self.tables:
                if fnmatch.fnmatchcase(table, key):
                    return steps
        return self.default

    def rule_step(self, body):
        """The first rule matching all messages of body, or None."""
        if not self.rules:
            return None
        msgs = body.get("messages")
        text = "\n".join(message_text(m) for m in msgs or []
                         if isinstance(msgs, list))
        for rule in self.rules:
            if all(w in text for w in rule.get("when_all") or []) and \
               not any(w in text for w in rule.get("when_none") or []):
                return rule
        return None

    def next_embed_step(self):
        """The next step of the "embeddings" list, or {} (AUTO)."""
        with self.lock:
            return self.embed_steps.pop(0) if self.embed_steps else {}

    def next_step(self, table):
        steps = self.steps_for(table)
        with self.lock:
            n = self.cursor.get(table, 0)
            self.cursor[table] = n + 1
        return steps[n] if n < len(steps) else None


def check_script(script):
    """Exits with a message when a script step names an unknown fault."""
    if script is None:
        return
    if not isinstance(script, dict):
        raise SystemExit("fake_llm: the script must be a JSON object")
    lists = list((script.get("tables") or {}).values())
    lists.append(script.get("default") or [])
    lists.append(script.get("rules") or [])
    lists.append(script.get("embeddings") or [])
    for n, steps in enumerate(lists):
        known = ALL_FAULTS | (fake_embed.EMBED_FAULTS
                              if n == len(lists) - 1 else set())
        for step in steps:
            if not isinstance(step, dict):
                raise SystemExit("fake_llm: a script step is not an object")
            f = step.get("fault")
            if f is not None and str(f) not in known:
                raise SystemExit("fake_llm: unknown fault %r in script" % f)


class State:
    def __init__(self, args):
        self.args = args
        script = None
        if args.script:
            with open(args.script, encoding="utf-8") as f:
                script = json.load(f)
        self.script = Script(script)
        check_script(script)
        self.kinds = [k.strip() for k in args.fault_kinds.split(",")
                      if k.strip()]
        bad = [k for k in self.kinds if k not in ALL_FAULTS]
        if bad:
            raise SystemExit("fake_llm: unknown fault kind(s): %s"
                             % ", ".join(bad))
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.seq = 0
        self.stop = threading.Event()
        self.record = (open(args.record, "a", encoding="utf-8")
                       if args.record else None)

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def random_fault(self):
        with self.lock:
            if self.args.fault_rate <= 0 or not self.kinds:
                return None
            if self.rng.random() >= self.args.fault_rate:
                return None
            return self.rng.choice(self.kinds)

    def write_record(self, rec):
        line = json.dumps(rec, sort_keys=True)
        with self.lock:
            if self.record is not None:
                self.record.write(line + "\n")
                self.record.flush()


# ---------------------------------------------------------------- handler
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY the
    # second waits for the client's delayed ACK (~40 ms) once a kept-alive
    # connection has left TCP's quick-ACK start
    disable_nagle_algorithm = True
    server_version = "fake_llm/1.0"

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if self.state.args.verbose:
            sys.stderr.write("fake_llm: " + (fmt % args) + "\n")

    def send_body(self, status, payload, headers=None, ctype=None):
        data = payload if isinstance(payload, bytes) else (
            json.dumps(payload).encode("utf-8"))
        self.send_response(status)
        self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_json(self, status, message, etype):
        self.send_body(status, {"error": {"message": message, "type": etype,
                                          "code": status}})

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/health":
            self.send_body(200, b"ok", ctype="text/plain")
        elif path.endswith("/models"):
            self.models()
        else:
            self.send_error_json(404, "no route for GET " + self.path,
                                 "not_found")

    def models(self):
        """GET .../models: the --models list, or --models-fault."""
        args = self.state.args
        if args.require_key is not None and \
                self.headers.get("Authorization") != "Bearer " + args.require_key:
            self.send_error_json(401, "invalid api key", "auth")
            return
        fault = args.models_fault
        if fault == "hang":
            self.pause(args.hang_seconds * 1000.0)
            self.close_connection = True
        elif fault in ("401", "403", "404", "500"):
            msg = {"401": "invalid api key", "403": "forbidden (injected)",
                   "404": "no route for GET " + self.path,
                   "500": "internal server error (injected)"}[fault]
            self.send_error_json(int(fault), msg, "injected")
        elif fault == "http_garbage":
            self.send_body(200, b"<html>proxy</html>", ctype="text/html")
        elif fault == "error200":
            self.send_body(200, ERROR200)
        else:
            ids = [m for m in args.models.split(",") if m]
            self.send_body(200, {"object": "list", "data": [
                {"id": m, "object": "model", "owned_by": "fake"}
                for m in ids]})

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def do_POST(self):
        path = self.path.split("?")[0]
        body = self.read_body()
        if path.endswith("/embeddings"):
            try:
                fake_embed.handle(self, path, body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        if not path.endswith("/chat/completions"):
            self.send_error_json(404, "no route for POST " + path,
                                 "not_found")
            return
        try:
            self.chat(path, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def chat(self, path, body):
        st = self.state
        rec = {"seq": st.next_seq(), "time": time.time(), "path": path,
               "table": None, "kind": "other",
               "auth": self.headers.get("Authorization"), "body": body,
               "status": None, "fault": None,
               "client_port": self.client_address[1]}  # same port: reused
        if not isinstance(body, dict):
            rec["status"] = 400
            st.write_record(rec)
            self.send_error_json(400, "request body is not a JSON object",
                                 "invalid_request_error")
            return
        kind, table, cols = classify(body)
        rec.update(kind=kind, table=table)
        if self.auth_refused(rec):
            return
        step = st.script.rule_step(body)
        if step is None:
            step = st.script.next_step(table)
        if step is None:
            fault = st.random_fault()
            step = {"fault": fault} if fault else {}
        self.pause(st.args.latency_ms + float(step.get("latency_ms", 0)))
        fault = step.get("fault")
        fault = None if fault is None else str(fault)
        rec["fault"] = fault
        self.answer(rec, step, fault, body, kind, table, cols)

    def auth_refused(self, rec):
        """Answers 401 (and records it) when --require-key is not met."""
        key = self.state.args.require_key
        if key is None or rec["auth"] == "Bearer " + key:
            return False
        rec["status"] = 401
        self.state.write_record(rec)
        self.send_error_json(401, "invalid api key", "auth")
        return True

    def pause(self, ms):
        if ms > 0:
            self.state.stop.wait(ms / 1000.0)

    def answer(self, rec, step, fault, body, kind, table, cols):
        st = self.state
        if fault == "hang":
            st.write_record(rec)
            secs = float(step.get("seconds", st.args.hang_seconds))
            st.stop.wait(secs)
            self.close_connection = True
            return
        if fault in STATUS_FAULTS:
            status = STATUS_FAULTS[fault]
            rec["status"] = status
            st.write_record(rec)
            headers = {}
            if status == 429:
                headers["Retry-After"] = str(step.get("retry_after", 1))
            msg = {429: "rate limit exceeded (injected)",
                   500: "internal server error (injected)",
                   503: "service unavailable (injected)",
                   400: "bad request (injected)",
                   401: "invalid api key",
                   404: "The model `%s` does not exist" % body.get("model")
                   }[status]
            self.send_body(status, {"error": {"message": msg,
                                              "type": "injected",
                                              "code": status}}, headers)
            return
        if fault == "echo":
            self.echo(rec, body, int(step.get("status", 500)))
            return
        if fault == "error200":
            rec["status"] = 200
            st.write_record(rec)
            self.send_body(200, ERROR200)
            return
        if fault == "http_garbage":
            rec["status"] = 200
            st.write_record(rec)
            self.send_body(200, b"<html><body>upstream proxy hiccup"
                           b"</body></html>", ctype="text/html")
            return
        if fault == "tool_calls":
            rec["status"] = 200
            st.write_record(rec)
            ans = completion(rec["seq"], body, "", "tool_calls")
            ans["choices"][0]["message"] = {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": "call_1", "type": "function",
                                "function": {"name": "lookup",
                                             "arguments": "{}"}}]}
            self.send_body(200, ans)
            return
        if "content_hex" in step:
            rec["status"] = 200
            st.write_record(rec)
            raw = bytes.fromhex(step["content_hex"])
            self.send_body(200, raw_completion(
                rec["seq"], body, raw, step.get("finish_reason", "stop"),
                step.get("usage_raw")))
            return
        if "answer" in step or "content" in step:
            content, finish = step_answer(step)
        elif fault in ANSWER_FAULTS:
            content, finish = faulty_answer(fault,
                                            auto_answer(kind, table, cols))
            if step.get("dspy_format"):
                content = dspy_faulty(body, content)
        else:
            ans = auto_answer(kind, table, cols)
            content = dspy_format(body, ans) or as_text(ans)
            finish = "stop"
        rec["status"] = 200
        st.write_record(rec)
        if step.get("usage_raw") is not None:
            self.send_body(200, raw_completion(
                rec["seq"], body, content.encode("utf-8"), finish,
                step["usage_raw"]))
            return
        self.send_body(200, completion(rec["seq"], body, content, finish))

    def echo(self, rec, body, status):
        """The request line and headers, sent back (the "echo" fault)."""
        text = "%s %s %s\n%s" % (self.command, self.path,
                                 self.request_version,
                                 "".join("%s: %s\n" % kv
                                         for kv in self.headers.items()))
        rec["status"] = status
        self.state.write_record(rec)
        if status == 200:
            self.send_body(200, completion(rec["seq"], body, text, "stop"))
        else:
            self.send_body(status, {"error": {"message": text,
                                              "type": "echo",
                                              "code": status}})


def completion(seq, body, content, finish):
    pt = prompt_chars(body) // 4 + 1
    ct = len(content) // 4 + 1
    return {"id": "chatcmpl-fake-%d" % seq, "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant",
                                     "content": content}}],
            "usage": {"prompt_tokens": pt, "completion_tokens": ct,
                      "total_tokens": pt + ct}}


def raw_string(data):
    """JSON string literal (bytes) holding `data` as it is: only '"',
    backslash and bytes below 0x20 are escaped; others go out raw."""
    out = bytearray(b'"')
    for b in data:
        if b < 0x20 or b in (0x22, 0x5C):
            out += b"\\u%04x" % b
        else:
            out.append(b)
    return bytes(out + b'"')


def raw_completion(seq, body, content, finish, usage_raw=None):
    """A completion body (bytes) whose content is the raw bytes `content`
    and whose usage member is the raw JSON text `usage_raw` (default: the
    computed usage)."""
    ans = completion(seq, body, "", finish)
    if usage_raw is None:
        usage_raw = json.dumps(dict(ans["usage"],
                                    completion_tokens=len(content) // 4 + 1))
    del ans["usage"]
    ans["choices"][0]["message"]["content"] = "@CONTENT@"
    text = json.dumps(ans).encode("utf-8")
    text = text.replace(b'"@CONTENT@"', raw_string(content))
    return text[:-1] + b', "usage": ' + usage_raw.encode("utf-8") + b"}"


# ---------------------------------------------------------------- main
def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--script")
    p.add_argument("--record")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--fault-kinds", default=DEFAULT_FAULT_KINDS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--require-key")
    p.add_argument("--hang-seconds", type=float, default=600.0)
    p.add_argument("--embed-dim", type=int, default=384)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--detach", action="store_true")
    p.add_argument("--models", default="m,test-model")
    p.add_argument("--models-fault")
    args = p.parse_args(argv)
    if args.models_fault is not None and \
            args.models_fault not in MODELS_FAULTS:
        p.error("unknown --models-fault %r" % args.models_fault)
    return args


def main(argv=None):
    parent = os.getppid()
    args = parse_args(argv)
    state = State(args)
    server = http_serve.Server(("127.0.0.1", args.port), Handler)
    server.state = state
    http_serve.run(server, args.port_file, state.stop, args.detach, parent)
    if state.record:
        with state.lock:
            state.record.close()
            state.record = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
