"""fake_embed.py - the /embeddings route of tests/server/fake_llm.py.

POST <anything>/embeddings with {"model": M, "input": "text" | [texts]}
answers OpenAI's "Create embeddings" shape:
    {"object": "list", "model": M,
     "data": [{"object": "embedding", "index": i, "embedding": [...]}, ...],
     "usage": {"prompt_tokens": P, "total_tokens": P}}
Vectors are deterministic hashed bags of words, NOT normalised: the text is
lowercased and cut into runs of [a-z0-9]; each word adds +1 or -1 (a bit of
its SHA-256) at position int(sha256[:8]) % DIM. Texts sharing words point
the same way; a text without a word is the zero vector. DIM comes from
--embed-dim (default 384). P = total characters of the inputs // 4 + 1.

Script: {"embeddings": [step, ...]} - the n-th embeddings request takes the
n-th step (a cursor of its own), then AUTO answers. Random faults
(--fault-rate) never apply to embeddings. Steps:
    {}                      the AUTO answer
    {"fault": "429"|"500"|"503"|"400"|"401"}   that status (fake_llm's)
    {"fault": "hang", "seconds": S}            sleep, then close
    {"fault": "wrong_dim"}  the last vector has one number less
    {"fault": "nan"}        the first vector's first number is NaN (the
                            bare token, as Python's json writes it)
    {"fault": "inf"}        ... is 1e999 (parses as infinity)
    {"fault": "few"}        the last vector is left out
    {"fault": "bad_index"}  every item has index 0
    {"fault": "huge", "bytes": N}  a valid answer padded with N bytes of
                            spaces (default 16 MiB)
    {"fault": "http_garbage"}      200 with an HTML body
Any step may add "latency_ms". Every request is recorded like a chat one
with "kind": "embeddings" and "inputs": the number of texts.
"""

import hashlib
import json
import re
import time

EMBED_FAULTS = {"wrong_dim", "nan", "inf", "few", "bad_index", "huge"}
WORD = re.compile(r"[a-z0-9]+")


def vector(text, dim):
    v = [0.0] * dim
    for w in WORD.findall(text.lower()):
        h = hashlib.sha256(w.encode("utf-8")).digest()
        pos = int.from_bytes(h[:4], "big") % dim
        v[pos] += 1.0 if h[4] & 1 else -1.0
    return v


def inputs_of(body):
    """The list of input texts, or None when the body is not a request."""
    if not isinstance(body, dict):
        return None
    inp = body.get("input")
    if isinstance(inp, str):
        return [inp]
    if isinstance(inp, list) and inp and all(isinstance(t, str)
                                              for t in inp):
        return inp
    return None


def answer(body, texts, dim, fault, step):
    """The answer body (bytes) for the texts under `fault`."""
    vecs = [vector(t, dim) for t in texts]
    if fault == "wrong_dim":
        vecs[-1] = vecs[-1][:-1]
    if fault == "few":
        vecs = vecs[:-1]
    if fault in ("nan", "inf"):
        vecs[0][0] = "@BAD@"
    data = [{"object": "embedding", "index": 0 if fault == "bad_index"
             else i, "embedding": v} for i, v in enumerate(vecs)]
    pt = sum(len(t) for t in texts) // 4 + 1
    ans = {"object": "list", "model": body.get("model"), "data": data,
           "usage": {"prompt_tokens": pt, "total_tokens": pt}}
    text = json.dumps(ans).replace(
        '"@BAD@"', "NaN" if fault == "nan" else "1e999")
    data = text.encode("utf-8")
    if fault == "huge":
        data = data[:-1] + b" " * int(step.get("bytes", 16 << 20)) + b"}"
    return data


def handle(handler, path, body):
    """Serves one embeddings request on the fake_llm handler."""
    st = handler.state
    rec = {"seq": st.next_seq(), "time": time.time(), "path": path,
           "table": None, "kind": "embeddings", "auth": handler.headers.get("Authorization"),
           "body": body, "status": None, "fault": None, "inputs": 0}
    texts = inputs_of(body)
    if texts is None:
        rec["status"] = 400
        st.write_record(rec)
        handler.send_error_json(400, "input must be a string or a list of "
                                "strings", "invalid_request_error")
        return
    rec["inputs"] = len(texts)
    if handler.auth_refused(rec):
        return
    step = st.script.next_embed_step()
    handler.pause(st.args.latency_ms + float(step.get("latency_ms", 0)))
    fault = step.get("fault")
    rec["fault"] = fault
    if fault is not None and fault not in EMBED_FAULTS:
        # status, hang and http_garbage faults: fake_llm's own answers
        handler.answer(rec, step, str(fault), body, "embeddings", None, [])
        return
    rec["status"] = 200
    st.write_record(rec)
    handler.send_body(200, answer(body, texts, st.args.embed_dim, fault,
                                  step))
