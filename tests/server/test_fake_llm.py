#!/usr/bin/env python3
"""test_fake_llm.py - self-test of tests/server/fake_llm.py (stdlib unittest).

Starts the real server as a subprocess for each test and talks HTTP to it.
Run: python3 tests/server/test_fake_llm.py
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_llm.py")


def user_msg(table, columns=None, extra=None):
    obj = {"table_name": table}
    if columns is not None:
        obj["columns"] = columns
    if extra:
        obj.update(extra)
    return "Describe it.\n" + json.dumps(obj) + "\nThanks."


class Server:
    def __init__(self, *args, script=None):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.portfile = os.path.join(d, "port")
        self.record = os.path.join(d, "rec.jsonl")
        cmd = [sys.executable, SERVER, "--port-file", self.portfile,
               "--record", self.record]
        if script is not None:
            path = os.path.join(d, "script.json")
            with open(path, "w") as f:
                json.dump(script, f)
            cmd += ["--script", path]
        self.proc = subprocess.Popen(cmd + list(args),
                                     stderr=subprocess.PIPE)
        for _ in range(500):
            if os.path.exists(self.portfile):
                break
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode()
                self.proc.stderr.close()
                self.dir.cleanup()
                raise RuntimeError(err)
            time.sleep(0.01)
        with open(self.portfile) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def post(self, content, path="/v1/chat/completions", headers=None,
             timeout=10, raw=None):
        body = raw if raw is not None else json.dumps(
            {"model": "m", "messages": [
                {"role": "system", "content": "sys"},
                {"role": "user", "content": content}]}).encode()
        req = urllib.request.Request(self.url + path, data=body,
                                     headers=headers or {}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path, headers=None, timeout=10):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def chat(self, content, **kw):
        status, _, body = self.post(content, **kw)
        assert status == 200, (status, body)
        d = json.loads(body)
        ch = d["choices"][0]
        return ch["message"]["content"], ch["finish_reason"], d

    def records(self):
        with open(self.record) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.proc.stderr.close()
        self.dir.cleanup()
        return self.proc.returncode


def auto(table, cols):
    return {"table": "Auto comment for table %s." % table, "columns": cols,
            "column_contents": ["Auto comment for %s.%s." % (table, c)
                                for c in cols]}


class FakeLLMTest(unittest.TestCase):
    def start(self, *args, script=None):
        s = Server(*args, script=script)
        self.addCleanup(s.stop)
        return s

    def test_health_and_404(self):
        s = self.start()
        with urllib.request.urlopen(s.url + "/health") as r:
            self.assertEqual(r.read(), b"ok")
        status, _, body = s.post("x", path="/v1/completions")
        self.assertEqual(status, 404)
        self.assertIn("error", json.loads(body))

    def test_auto_answer_and_usage(self):
        s = self.start()
        msg = user_msg("t1", ["a", "b"])
        content, finish, d = s.chat(msg)
        self.assertEqual(json.loads(content), auto("t1", ["a", "b"]))
        self.assertEqual(content, json.dumps(auto("t1", ["a", "b"])))
        self.assertEqual(finish, "stop")
        self.assertEqual(d["usage"]["prompt_tokens"],
                         (len("sys") + len(msg)) // 4 + 1)
        self.assertEqual(d["usage"]["completion_tokens"],
                         len(content) // 4 + 1)
        rec = s.records()
        self.assertEqual(len(rec), 1)
        self.assertEqual(rec[0]["table"], "t1")
        self.assertEqual(rec[0]["kind"], "comment")
        self.assertEqual(rec[0]["status"], 200)
        self.assertIsNone(rec[0]["fault"])
        self.assertEqual(rec[0]["body"]["model"], "m")

    def test_columns_as_objects_and_first_matching_object(self):
        s = self.start()
        msg = ('{"unrelated": 1} then ' +
               json.dumps({"table_name": "x",
                           "columns": [{"name": "c1", "type": "int"}]}))
        content, _, _ = s.chat(msg)
        self.assertEqual(json.loads(content), auto("x", ["c1"]))

    def test_merge_request(self):
        s = self.start()
        msg = user_msg("big", extra={"table_descriptions": ["a", "b"]})
        content, _, _ = s.chat(msg)
        self.assertEqual(json.loads(content), {
            "table": "Merged comment for table big.", "columns": [],
            "column_contents": []})
        self.assertEqual(s.records()[0]["kind"], "merge")

    def test_dspy_style_prompt(self):
        s = self.start()
        msg = ("[[ ## table_name ## ]]\nmain.orders\n\n"
               "[[ ## profile ## ]]\n" +
               json.dumps({"columns": ["id", "total"]}) +
               "\n\nRespond with [[ ## table ## ]] ...")
        content, _, _ = s.chat(msg)
        self.assertEqual(json.loads(content),
                         auto("main.orders", ["id", "total"]))

    def test_search_query_echoes_the_question(self):
        s = self.start()
        msg = ("[[ ## question ## ]]\nand its discharge time?\n\n"
               "[[ ## history ## ]]\n[]\n\n"
               "Respond with the corresponding output fields, starting "
               "with the field `[[ ## search_query ## ]]`, and then ending "
               "with the marker for `[[ ## completed ## ]]`.")
        content, _, _ = s.chat(msg)
        self.assertEqual(content, "[[ ## search_query ## ]]\nand its "
                         "discharge time?\n\n[[ ## completed ## ]]")

    def test_other_request(self):
        s = self.start()
        content, _, _ = s.chat("What is the capital of France?")
        self.assertEqual(content, "Auto answer.")
        self.assertEqual(s.records()[0]["kind"], "other")

    def test_script_steps_globs_and_default(self):
        s = self.start(script={
            "tables": {
                "t1": [{"answer": {"table": "T one",
                                   "columns": {"b": "B!", "a": "A!"}}},
                       {"content": "raw", "finish_reason": "length"}],
                "s.*": [{"fault": "missing"}]},
            "default": [{"fault": "garbage"}]})
        c, _, _ = s.chat(user_msg("t1", ["a", "b"]))
        self.assertEqual(json.loads(c), {"table": "T one",
                                         "columns": ["b", "a"],
                                         "column_contents": ["B!", "A!"]})
        c, f, _ = s.chat(user_msg("t1", ["a", "b"]))
        self.assertEqual((c, f), ("raw", "length"))
        c, _, _ = s.chat(user_msg("t1", ["a", "b"]))
        self.assertEqual(json.loads(c), auto("t1", ["a", "b"]))
        # each table matching the glob has its own cursor
        for t in ("s.x", "s.y"):
            c, _, _ = s.chat(user_msg(t, ["a", "b"]))
            self.assertEqual(json.loads(c), auto(t, ["a"]))
        c, _, _ = s.chat(user_msg("other", ["a"]))
        self.assertRaises(ValueError, json.loads, c)
        faults = [r["fault"] for r in s.records()]
        self.assertEqual(faults, [None, None, None, "missing", "missing",
                                  "garbage"])

    def test_raw_content_bytes_and_usage(self):
        s = self.start(script={"tables": {"t": [
            {"content_hex": "41ff22005c", "finish_reason": "length"},
            {"content": "ok", "usage_raw": '{"prompt_tokens": 1e308, '
                                           '"completion_tokens": -5}'}]}})
        status, _, body = s.post(user_msg("t", ["a"]))
        self.assertEqual(status, 200)
        self.assertIn(b'"A\xff\\u0022\\u0000\\u005c"', body)
        self.assertIn(b'"finish_reason": "length"', body)
        with self.assertRaises(UnicodeDecodeError):
            body.decode("utf-8")
        d = json.loads(body.decode("latin-1"))
        self.assertIn("prompt_tokens", d["usage"])
        status, _, body = s.post(user_msg("t", ["a"]))
        self.assertIn(b'"usage": {"prompt_tokens": 1e308, '
                      b'"completion_tokens": -5}}', body)
        self.assertEqual(json.loads(body)["choices"][0]["message"]
                         ["content"], "ok")

    def test_rules_match_all_messages_before_steps(self):
        s = self.start(script={
            "rules": [
                {"when_all": ["sys", "MARK"], "when_none": ["BAD"],
                 "content": "good", "finish_reason": "stop"},
                {"when_all": ["MARK"], "content": "marked"}],
            "default": [{"content": "step one"}]})
        # "sys" is the system message: rules see every message
        self.assertEqual(s.chat("q MARK")[0], "good")
        self.assertEqual(s.chat("q MARK BAD")[0], "marked")
        # no rule: the steps, then AUTO; rules never ran out
        self.assertEqual(s.chat("plain")[0], "step one")
        self.assertEqual(s.chat("plain")[0], "Auto answer.")
        self.assertEqual(s.chat("again MARK")[0], "good")

    def test_answer_faults(self):
        kinds = ["fence", "truncate", "reorder", "missing", "duplicate",
                 "unknown", "stringify", "chatter"]
        s = self.start(script={"tables": {
            k: [{"fault": k}] for k in kinds}})
        cols = ["a", "b", "c"]
        got = {k: s.chat(user_msg(k, cols))[:2] for k in kinds}
        raw = json.dumps(auto("fence", cols))
        c = got["fence"][0]
        self.assertIn("```json\n" + raw + "\n```", c)
        self.assertFalse(c.startswith("```"))
        self.assertFalse(c.endswith("```"))
        c, f = got["truncate"]
        full = json.dumps(auto("truncate", cols))
        self.assertEqual(f, "length")
        self.assertTrue(full.startswith(c) and len(c) < len(full))
        d = json.loads(got["reorder"][0])
        self.assertEqual(d["columns"], ["c", "b", "a"])
        self.assertEqual(d["column_contents"][0], "Auto comment for reorder.c.")
        d = json.loads(got["missing"][0])
        self.assertEqual(d["columns"], ["a", "b"])
        self.assertEqual(len(d["column_contents"]), 2)
        d = json.loads(got["duplicate"][0])
        self.assertEqual(d["columns"], ["a", "b", "c", "c"])
        self.assertNotEqual(d["column_contents"][2], d["column_contents"][3])
        d = json.loads(got["unknown"][0])
        self.assertEqual(d["columns"][-1], "not_a_column")
        d = json.loads(got["stringify"][0])
        self.assertEqual(json.loads(d["columns"]), cols)
        self.assertEqual(len(json.loads(d["column_contents"])), 3)
        c = got["chatter"][0]
        self.assertNotIn("```", c)
        start = c.index("{")
        obj, end = json.JSONDecoder().raw_decode(c, start)
        self.assertEqual(obj, auto("chatter", cols))
        self.assertTrue(start > 0 and end < len(c))

    def test_answer_fault_in_dspy_format(self):
        chat = ("[[ ## table_name ## ]]\nmain.t\n\n[[ ## table_data ## ]]\n" +
                json.dumps({"columns": ["a", "b"]}) +
                "\n\nRespond with the corresponding output fields, "
                "starting with the field `[[ ## comments ## ]]`, and then "
                "ending with the marker for `[[ ## completed ## ]]`.")
        s = self.start(script={"rules": [
            {"when_all": ["main.t"], "fault": "missing", "dspy_format": True}],
            "tables": {"g": [{"fault": "garbage", "dspy_format": True}]}})
        content, _, _ = s.chat(chat)
        head, _, rest = content.partition("[[ ## comments ## ]]\n")
        self.assertEqual(head, "")
        body, _, tail = rest.partition("\n\n[[ ## completed ## ]]")
        self.assertEqual(tail, "")
        d = json.loads(body)
        self.assertEqual(d["columns"], ["a"])
        self.assertEqual(d["column_contents"], ["Auto comment for main.t.a."])
        # the JSONAdapter prompt gets one object with the field
        js = chat.replace("Respond with the corresponding output fields, "
                          "starting with the field `[[ ## comments ## ]]`, "
                          "and then ending with the marker for "
                          "`[[ ## completed ## ]]`.",
                          "Respond with a JSON object in the following "
                          "order of fields: `comments`.")
        d = json.loads(s.chat(js)[0])
        self.assertEqual(d["comments"]["columns"], ["a"])
        # prose faults stay prose
        self.assertIn("weather", s.chat(user_msg("g", ["x"]))[0])

    def test_status_faults(self):
        s = self.start(script={"default": [
            {"fault": "429", "retry_after": 2}, {"fault": "500"},
            {"fault": "503"}, {"fault": "400"}, {"fault": "401"},
            {"fault": "http_garbage"}, {"fault": "tool_calls"}]})
        status, headers, body = s.post(user_msg("t", ["a"]))
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("Retry-After"), "2")
        self.assertIn("message", json.loads(body)["error"])
        for want in (500, 503, 400, 401):
            status, _, body = s.post(user_msg("t", ["a"]))
            self.assertEqual(status, want)
            self.assertIn("message", json.loads(body)["error"])
        status, headers, body = s.post(user_msg("t", ["a"]))
        self.assertEqual(status, 200)
        self.assertRaises(ValueError, json.loads, body)
        status, _, body = s.post(user_msg("t", ["a"]))
        msg = json.loads(body)["choices"][0]["message"]
        self.assertIsNone(msg["content"])
        self.assertTrue(msg["tool_calls"])
        self.assertEqual([r["status"] for r in s.records()],
                         [429, 500, 503, 400, 401, 200, 200])

    def embed(self, s, inp):
        status, _, body = s.post(None, path="/v1/embeddings", raw=json.dumps(
            {"model": "e", "input": inp}).encode())
        return status, body

    def test_embeddings_hashed_bag_of_words(self):
        s = self.start("--embed-dim", "16")
        status, body = self.embed(s, ["Alpha beta", "beta ALPHA!", "zeta"])
        self.assertEqual(status, 200)
        d = json.loads(body)
        vecs = [x["embedding"] for x in d["data"]]
        self.assertEqual([x["index"] for x in d["data"]], [0, 1, 2])
        self.assertEqual([len(v) for v in vecs], [16, 16, 16])
        self.assertEqual(vecs[0], vecs[1])  # same words, any case/order
        self.assertNotEqual(vecs[0], vecs[2])
        self.assertEqual(sum(abs(x) for x in vecs[2]), 1.0)  # one word
        self.assertEqual(d["usage"]["prompt_tokens"], 25 // 4 + 1)
        status, body = self.embed(s, "single text")
        self.assertEqual(len(json.loads(body)["data"]), 1)
        status, body = self.embed(s, [1, 2])
        self.assertEqual(status, 400)
        rec = s.records()
        self.assertEqual([(r["kind"], r["inputs"], r["status"]) for r in rec],
                         [("embeddings", 3, 200), ("embeddings", 1, 200),
                          ("embeddings", 0, 400)])

    def test_embeddings_faults(self):
        s = self.start("--embed-dim", "8", script={"embeddings": [
            {"fault": "wrong_dim"}, {"fault": "nan"}, {"fault": "inf"},
            {"fault": "few"}, {"fault": "bad_index"},
            {"fault": "huge", "bytes": 1000}, {"fault": "500"}, {}]})
        texts = ["a b", "c d"]
        _, body = self.embed(s, texts)
        self.assertEqual([len(x["embedding"]) for x in
                          json.loads(body)["data"]], [8, 7])
        _, body = self.embed(s, texts)
        self.assertIn(b"[NaN, ", body)
        _, body = self.embed(s, texts)
        self.assertIn(b"[1e999, ", body)
        _, body = self.embed(s, texts)
        self.assertEqual(len(json.loads(body)["data"]), 1)
        _, body = self.embed(s, texts)
        self.assertEqual([x["index"] for x in json.loads(body)["data"]],
                         [0, 0])
        _, body = self.embed(s, texts)
        self.assertTrue(body.endswith(b"}" + b" " * 1000 + b"}"))
        json.loads(body)  # still valid JSON
        status, _ = self.embed(s, texts)
        self.assertEqual(status, 500)
        status, body = self.embed(s, texts)
        self.assertEqual(status, 200)
        self.assertEqual([r["fault"] for r in s.records()],
                         ["wrong_dim", "nan", "inf", "few", "bad_index",
                          "huge", "500", None])

    def test_echo_sends_the_request_back(self):
        s = self.start(script={"default": [
            {"fault": "echo"}, {"fault": "echo", "status": 401},
            {"fault": "echo", "status": 200}]})
        hdr = {"Authorization": "Bearer sk-echo-1"}
        path = "/v1/chat/completions?api-key=q1"
        status, _, body = s.post(user_msg("t", ["a"]), path=path,
                                 headers=hdr)
        self.assertEqual(status, 500)
        msg = json.loads(body)["error"]["message"]
        self.assertIn("POST " + path, msg)
        self.assertIn("Authorization: Bearer sk-echo-1", msg)
        status, _, body = s.post(user_msg("t", ["a"]), path=path,
                                 headers=hdr)
        self.assertEqual(status, 401)
        self.assertIn("sk-echo-1", json.loads(body)["error"]["message"])
        c, _, _ = s.chat(user_msg("t", ["a"]), path=path, headers=hdr)
        self.assertIn("Bearer sk-echo-1", c)
        self.assertEqual([r["status"] for r in s.records()],
                         [500, 401, 200])

    def test_404_and_error200_chat_faults(self):
        s = self.start(script={"default": [{"fault": "404"},
                                           {"fault": "error200"}]})
        status, _, body = s.post(user_msg("t", ["a"]))
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["message"],
                         "The model `m` does not exist")
        status, _, body = s.post(user_msg("t", ["a"]))
        self.assertEqual(status, 200)
        d = json.loads(body)
        self.assertNotIn("choices", d)
        self.assertEqual(d["error"]["message"],
                         "upstream provider failed (injected)")
        self.assertEqual([(r["status"], r["fault"]) for r in s.records()],
                         [(404, "404"), (200, "error200")])

    def test_models_list_default_and_given(self):
        s = self.start()
        status, body = s.get("/v1/models")
        self.assertEqual(status, 200)
        d = json.loads(body)
        self.assertEqual(d["object"], "list")
        self.assertEqual([m["id"] for m in d["data"]], ["m", "test-model"])
        status, body = s.get("/serving-endpoints/models")
        self.assertEqual(status, 200)
        s2 = self.start("--models", "a,b,c", "--require-key", "k")
        status, body = s2.get("/v1/models")
        self.assertEqual(status, 401)
        status, body = s2.get("/v1/models",
                              headers={"Authorization": "Bearer k"})
        self.assertEqual([m["id"] for m in json.loads(body)["data"]],
                         ["a", "b", "c"])
        # listing is not a chat request: nothing recorded
        self.assertEqual(s.records() + s2.records(), [])

    def test_models_faults(self):
        want = {"401": 401, "403": 403, "404": 404, "500": 500}
        for fault, code in want.items():
            s = self.start("--models-fault", fault)
            status, body = s.get("/v1/models")
            self.assertEqual(status, code, fault)
            self.assertIn("message", json.loads(body)["error"])
        s = self.start("--models-fault", "http_garbage")
        status, body = s.get("/v1/models")
        self.assertEqual(status, 200)
        self.assertRaises(ValueError, json.loads, body)
        s = self.start("--models-fault", "error200")
        status, body = s.get("/v1/models")
        self.assertEqual((status, list(json.loads(body))), (200, ["error"]))
        s = self.start("--models-fault", "hang", "--hang-seconds", "0.3")
        t0 = time.monotonic()
        with self.assertRaises(Exception):
            s.get("/v1/models", timeout=5)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        # chat still answers under a /models fault
        c, _, _ = s.chat(user_msg("t", ["a"]))
        self.assertEqual(json.loads(c), auto("t", ["a"]))
        with self.assertRaises(RuntimeError):
            self.start("--models-fault", "nope")

    def test_hang_closes_without_answer(self):
        s = self.start(script={"default": [{"fault": "hang",
                                            "seconds": 0.3}]})
        t0 = time.monotonic()
        with self.assertRaises(Exception):
            s.post(user_msg("t", ["a"]), timeout=5)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        self.assertEqual(s.records()[0]["fault"], "hang")
        c, _, _ = s.chat(user_msg("t", ["a"]))
        self.assertEqual(json.loads(c), auto("t", ["a"]))

    def test_require_key(self):
        s = self.start("--require-key", "k1")
        status, _, body = s.post(user_msg("t", ["a"]))
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body),
                         {"error": {"message": "invalid api key",
                                    "type": "auth", "code": 401}})
        status, _, _ = s.post(user_msg("t", ["a"]),
                              headers={"Authorization": "Bearer k2"})
        self.assertEqual(status, 401)
        status, _, _ = s.post(user_msg("t", ["a"]),
                              headers={"Authorization": "Bearer k1"})
        self.assertEqual(status, 200)
        self.assertEqual([r["auth"] for r in s.records()],
                         [None, "Bearer k2", "Bearer k1"])

    def test_fault_rate_is_seeded(self):
        def run():
            s = Server("--fault-rate", "0.5", "--seed", "7",
                       "--fault-kinds", "missing,garbage")
            try:
                for i in range(20):
                    s.post(user_msg("t%d" % i, ["a", "b"]))
                return [r["fault"] for r in s.records()]
            finally:
                s.stop()
        a, b = run(), run()
        self.assertEqual(a, b)
        self.assertTrue(any(a) and not all(a))
        self.assertTrue(set(a) <= {None, "missing", "garbage"})

    def test_latency(self):
        s = self.start("--latency-ms", "200")
        t0 = time.monotonic()
        s.chat(user_msg("t", ["a"]))
        self.assertGreaterEqual(time.monotonic() - t0, 0.2)

    def test_bad_body_and_bad_script(self):
        s = self.start()
        status, _, _ = s.post(None, raw=b"not json")
        self.assertEqual(status, 400)
        with self.assertRaises(RuntimeError):
            Server(script={"default": [{"fault": "nope"}]})
        with self.assertRaises(RuntimeError):
            Server(script={"embeddings": [{"fault": "nope"}]})
        with self.assertRaises(RuntimeError):  # embeddings faults only there
            Server(script={"default": [{"fault": "nan"}]})

    def test_sigterm_stops_cleanly(self):
        s = Server(script={"default": [{"fault": "hang", "seconds": 60}]})
        try:
            s.post(user_msg("t", ["a"]), timeout=0.3)
        except Exception:
            pass
        t0 = time.monotonic()
        self.assertEqual(s.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5)

    def test_exits_with_parent_unless_detached(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)

        def spawn(extra):
            pf = os.path.join(d.name, "port%d" % len(extra))
            out = subprocess.check_output(
                # the shell exits once the server listens: it has read
                # its parent by then (a fixed sleep lost that race on a
                # loaded machine)
                ["sh", "-c", '"$0" "$1" --port-file "$2" %s '
                 '>/dev/null 2>&1 & echo $!; '
                 'while [ ! -s "$2" ]; do sleep 0.05; done' % extra,
                 sys.executable, SERVER, pf])
            return int(out)

        def alive(pid):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    return f.read().split(") ")[1][0] not in "ZX"
            except OSError:
                return False

        orphan, detached = spawn(""), spawn("--detach")
        self.addCleanup(lambda: alive(detached) and
                        os.kill(detached, signal.SIGTERM))
        deadline = time.monotonic() + 15
        while alive(orphan) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(alive(orphan))
        self.assertTrue(alive(detached))


if __name__ == "__main__":
    unittest.main()
