-- bench/serve.lua - wrk's request for bench/serve.sh: one MLflow scoring
-- record per POST /invocations (a new session each: no history, so one
-- LM call per answer).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"dataframe_records": [{"query": "what does the admissions table hold?"}]}'
