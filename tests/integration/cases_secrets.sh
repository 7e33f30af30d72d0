# cases_secrets.sh - issue 8 items 3-5: secrets never leave (every error
# path, every file a run writes, the LM cache, stdout and stderr), a
# resume takes only a run metagen wrote and only the same run, one
# process at a time, and the files that hold sample values are 0600 in
# 0700 folders. Sourced by run.sh (uses BIN, TMP, DATA, start_llm,
# sqlite_copy, run_dir, fail).

# The secrets of these cases: a warehouse password, an API key, URL
# userinfo and a URL query key. Distinct, so a hit names its source.
SEC_DB=DbPw-Zq81x7Qe
SEC_KEY=sk-ApiKey-93HfQ2wLm
SEC_USER=urlUser-k2Jf
SEC_UPW=urlPw-Xp3qV
SEC_QK=qKey-Jd82mZt
SEC_PGPW=PgRolePw-4Rt9sWn

# sec_grep FILE_OR_DIR...: prints each file holding any form of a
# secret (as written, percent-decoded is the same here, and base64 of
# user:password, what HTTP Basic sends); returns 0 when there is none.
sec_grep() {
	local b64 hits
	b64=$(printf '%s:%s' "$SEC_USER" "$SEC_UPW" | base64 -w0)
	hits=$(grep -rlaF -e "$SEC_DB" -e "$SEC_KEY" -e "$SEC_USER" -e "$SEC_UPW" \
		-e "$SEC_QK" -e "$SEC_PGPW" -e "$b64" "$@" 2>/dev/null)
	[ -z "$hits" ] && return 0
	echo "$hits"
	return 1
}

# The endpoint URL with userinfo and a query key.
sec_api_base() { # PORT_URL (http://127.0.0.1:N/v1)
	local hostpart=${1#http://}
	echo "http://$SEC_USER:$SEC_UPW@${hostpart%%/*}/v1?api-key=$SEC_QK&api-version=2024-06-01"
}

# Every LM error path (500 and 401 echoing the request headers and URL,
# a 200 whose answer echoes them, an answer that does not parse, a body
# that is not JSON, an unreachable endpoint, HTTP Basic from the URL's
# userinfo), a bad config, a bad connection: no secret in any file of
# the runs, the LM cache, stdout or stderr.
case_secrets_never_leave_on_any_error_path() {
	local conn io=$TMP/sec/io out=$TMP/sec/out cache=$TMP/sec/cache base rc
	mkdir -p "$io"
	conn="$(sqlite_copy sec);PWD=$SEC_DB"
	cat > "$TMP/sec.json" <<'EOF'
{"tables": {"main.patients": [{"fault": "echo"}, {"fault": "echo"}, {"fault": "echo"}],
            "main.admissions": [{"fault": "echo", "status": 200}, {"fault": "echo", "status": 200},
                                {"fault": "echo", "status": 200}, {"fault": "echo", "status": 200}],
            "main.icustays": [{"fault": "garbage"}, {"fault": "garbage"}, {"fault": "garbage"},
                              {"fault": "garbage"}],
            "main.services": [{"fault": "http_garbage"}, {"fault": "http_garbage"},
                              {"fault": "http_garbage"}]}}
EOF
	start_llm sec --script "$TMP/sec.json" || return 1
	base=$(sec_api_base "$LLM_URL")
	printf '%s\n' "$SEC_KEY" > "$TMP/sec.key"
	# 1. errors and bad answers; the key from api_key_file, the connection
	# from the environment: neither is on the command line
	METAGEN_CONNECTION="$conn" "$BIN" generate --model m --api-base "$base" \
		--api-key-file "$TMP/sec.key" --out "$out" --cache-dir "$cache" --max-retries 1 \
		--scope patients --scope admissions --scope icustays --scope services --scope callout \
		>"$io/1.out" 2>"$io/1.err"; rc=$?
	[ $rc = 0 ] || [ $rc = 1 ] || { tail -3 "$io/1.err" >&2; fail "run 1 exit $rc"; }
	# the secrets were in play: the key reached the server, the query key
	# and the echoes came back (and were scrubbed where metagen keeps them)
	grep -qF "Bearer $SEC_KEY" "$LLM_REC" || fail "the key never reached the endpoint"
	grep -qF 'api-key=***' "$(run_dir "$out")/traces.jsonl" || fail "no scrubbed echo in the traces"
	grep -q 'callout' "$(run_dir "$out")/comments.tsv" || fail "callout missing"
	# 2. 401 echoing the headers: the run stops (exit 2)
	cat > "$TMP/sec401.json" <<'EOF'
{"default": [{"fault": "echo", "status": 401}, {"fault": "echo", "status": 401}]}
EOF
	start_llm sec401 --script "$TMP/sec401.json" || return 1
	METAGEN_API_KEY=$SEC_KEY METAGEN_CONNECTION="$conn" "$BIN" generate --model m \
		--api-base "$(sec_api_base "$LLM_URL")" --out "$out" --cache-dir "$cache" \
		--scope patients >"$io/2.out" 2>"$io/2.err"; rc=$?
	[ $rc = 2 ] || fail "401: exit $rc, expected 2"
	grep -q 401 "$io/2.err" || fail "401 not said: $(cat "$io/2.err")"
	# 3. no key: curl sends the URL's userinfo as HTTP Basic; a 500 echoes it
	start_llm sec500 --script "$TMP/sec.json" || return 1
	METAGEN_CONNECTION="$conn" "$BIN" generate --model m --api-base "$(sec_api_base "$LLM_URL")" \
		--out "$out" --cache-dir "$cache" --max-retries 0 --scope patients \
		>"$io/3.out" 2>"$io/3.err"
	grep -q "Basic" "$LLM_REC" || fail "no HTTP Basic sent from the userinfo"
	# 4. unreachable endpoint (nothing listens on port 1)
	METAGEN_API_KEY=$SEC_KEY METAGEN_CONNECTION="$conn" "$BIN" generate --model m \
		--api-base "http://$SEC_USER:$SEC_UPW@127.0.0.1:1/v1?api-key=$SEC_QK" --out "$out" \
		--cache-dir "$cache" --max-retries 0 --scope patients >"$io/4.out" 2>"$io/4.err"
	[ -s "$io/4.err" ] || fail "unreachable: no message"
	# 5. bad config: secrets in the file, a bad value next to them
	printf 'connection: "%s"\napi_key: %s\napi_base: %s\ntimeout_seconds: soon\n' \
		"$conn" "$SEC_KEY" "$base" > "$TMP/sec.yaml"
	"$BIN" generate --config "$TMP/sec.yaml" --out "$out" >"$io/5.out" 2>"$io/5.err"; rc=$?
	[ $rc = 2 ] || fail "bad config: exit $rc"
	grep -q 'sec.yaml:4' "$io/5.err" || fail "bad config not named: $(cat "$io/5.err")"
	# 6. bad connection: the driver's error comes back masked
	"$BIN" generate --model offline --out "$out" --cache-dir "$cache" \
		--connection "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=1;Database=x;Uid=u;PWD={$SEC_DB;x}" \
		>"$io/6.out" 2>"$io/6.err"; rc=$?
	[ $rc = 2 ] || fail "bad connection: exit $rc"
	# 7. a key with a line break (header injection) is refused
	printf 'sk-1\r\nX-Evil: %s\n' "$SEC_KEY" > "$TMP/sec.badkey"
	METAGEN_CONNECTION="$conn" "$BIN" generate --model m --api-base "$base" \
		--api-key-file "$TMP/sec.badkey" --out "$out" >"$io/7.out" 2>"$io/7.err"; rc=$?
	[ $rc = 2 ] || fail "CR/LF key: exit $rc"
	grep -q 'api_key_file' "$io/7.err" || fail "CR/LF key not named: $(cat "$io/7.err")"
	METAGEN_API_KEY=$'sk-2\nX-Evil: 1' METAGEN_CONNECTION="$conn" "$BIN" generate --model m \
		--api-base "$base" --out "$out" >"$io/8.out" 2>"$io/8.err"; rc=$?
	[ $rc = 2 ] || fail "LF in METAGEN_API_KEY: exit $rc"
	grep -q 'line break' "$io/8.err" || fail "LF key: $(cat "$io/8.err")"
	METAGEN_API_KEY=$SEC_KEY METAGEN_CONNECTION="$conn" "$BIN" generate --model m \
		--api-base "$base"$'\r\nX-Evil: 1' --out "$out" >"$io/9.out" 2>"$io/9.err"; rc=$?
	[ $rc = 2 ] || fail "CR/LF in api_base: exit $rc"
	grep -q 'line break' "$io/9.err" || fail "CR/LF base: $(cat "$io/9.err")"
	# the cache was written (so it was checked), then: no secret anywhere
	[ -s "$cache/cache.sqlite" ] || fail "no LM cache written"
	[ "$(find "$out" -type f | wc -l)" -ge 7 ] || fail "too few run files: $(find "$out" -type f)"
	sec_grep "$out" "$cache" "$io" || fail "secrets leaked (above)"
	# and the check can fail: the server's own record holds the key
	! sec_grep "$LLM_REC" >/dev/null || fail "sec_grep finds nothing it should"
}

# A real PostgreSQL password (a role made for the case) on the success
# path and on a wrong-password failure: in no output.
case_secrets_postgres_password() {
	local io=$TMP/secpg out=$TMP/secpg/out conn rc
	[ -n "${PGPORT:-}" ] || { fail "no PostgreSQL (PGPORT unset)"; return 1; }
	mkdir -p "$io"
	psql -q -d postgres -v ON_ERROR_STOP=1 >/dev/null <<EOF || { fail "cannot set up the role"; return 1; }
DROP DATABASE IF EXISTS mgsec;
DROP ROLE IF EXISTS mg_sec;
CREATE ROLE mg_sec LOGIN PASSWORD '$SEC_PGPW';
CREATE DATABASE mgsec OWNER mg_sec;
EOF
	psql -q -d mgsec -U mg_sec -c "CREATE TABLE patients (id int, note text); INSERT INTO patients VALUES (1, 'a'), (2, 'b')" \
		>/dev/null || { fail "cannot fill mgsec"; return 1; }
	conn="Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$PGPORT;Database=mgsec;Uid=mg_sec;Pwd=$SEC_PGPW"
	METAGEN_CONNECTION="$conn" "$BIN" generate --model offline --out "$out" \
		>"$io/ok.out" 2>"$io/ok.err"; rc=$?
	[ $rc = 0 ] || { cat "$io/ok.err" >&2; fail "generate with the role: exit $rc"; }
	METAGEN_CONNECTION="${conn}x" "$BIN" generate --model offline --out "$out" \
		>"$io/bad.out" 2>"$io/bad.err"; rc=$?
	[ $rc = 2 ] || fail "wrong password: exit $rc"
	grep -qi 'password' "$io/bad.err" || fail "no reason: $(cat "$io/bad.err")"
	grep -q 'Pwd=\*\*\*' "$(run_dir "$out")/manifest.json" || fail "manifest connection not masked"
	sec_grep "$io" || fail "secrets leaked (above)"
}

# sec_snap DIR: every entry with size, mtime and mode (the proof that a
# refused resume wrote nothing).
sec_snap() { find "$1" -printf '%P %s %T@ %m\n' | sort; }

# A folder metagen did not write is refused (exit 2) and left as it was:
# arbitrary files, look-alike files, a symlinked checkpoint, a manifest
# of another run.
case_resume_refuses_foreign_folders() {
	local d=$TMP/foreign conn rc before n=0 f
	conn=$(sqlite_copy foreign)
	mkdir -p "$d/etc" "$d/lookalike" "$d/symlink" "$d/otherrun" "$d/oldformat"
	printf 'root:x:0:0\n' > "$d/etc/passwd"; printf 'x\n' > "$d/etc/hosts"
	printf '{"table":"patients"}\n' > "$d/lookalike/checkpoint.jsonl"
	printf '{"run_id":"x"}\n' > "$d/lookalike/manifest.json"
	printf '{"metagen":"checkpoint","format_version":1,"run_id":"r1","identity":{}}\n' > "$d/target"
	ln -s "$d/target" "$d/symlink/checkpoint.jsonl"
	printf '{"metagen":"run","format_version":1,"run_id":"r1"}\n' > "$d/symlink/manifest.json"
	printf '{"metagen":"checkpoint","format_version":1,"run_id":"r1","identity":{}}\n' > "$d/otherrun/checkpoint.jsonl"
	printf '{"metagen":"run","format_version":1,"run_id":"r2"}\n' > "$d/otherrun/manifest.json"
	printf '{"metagen":"checkpoint","format_version":99,"run_id":"r1","identity":{}}\n' > "$d/oldformat/checkpoint.jsonl"
	printf '{"metagen":"run","format_version":99,"run_id":"r1"}\n' > "$d/oldformat/manifest.json"
	for f in etc lookalike symlink otherrun oldformat; do
		before=$(sec_snap "$d")
		"$BIN" generate --connection "$conn" --model offline --resume "$d/$f" \
			>/dev/null 2>"$TMP/foreign.$f.err"; rc=$?
		[ $rc = 2 ] || fail "$f: exit $rc, expected 2"
		grep -q 'not a metagen run folder' "$TMP/foreign.$f.err" || fail "$f: $(cat "$TMP/foreign.$f.err")"
		[ "$(sec_snap "$d")" = "$before" ] || fail "$f: the folder changed"
		n=$((n + 1))
	done
	[ $n = 5 ] || fail "only $n folders tried"
	# a run id that names no folder: no out folder appears either
	"$BIN" generate --connection "$conn" --model offline --out "$TMP/foreign-out" \
		--resume no-such-run >/dev/null 2>&1; rc=$?
	[ $rc = 2 ] || fail "missing run: exit $rc"
	[ ! -e "$TMP/foreign-out" ] || fail "an out folder was created"
}

# A resume with another warehouse, scope, model or path is refused (exit
# 2), naming the key, and writes nothing; the same run resumes.
case_resume_refuses_another_run() {
	local conn out run rc before k
	conn=$(sqlite_copy other); out=$TMP/other
	cp "$TMP/other.sqlite" "$TMP/other2.sqlite"
	"$BIN" generate --connection "$conn" --model offline --out "$out" \
		--scope patients --scope admissions >/dev/null 2>&1 || { fail "first run"; return 1; }
	run=$(run_dir "$out")
	start_llm other || return 1
	local -a variants=(
		"warehouse.database|--connection Driver=SQLite3;Database=$TMP/other2.sqlite --scope patients --scope admissions --model offline"
		"warehouse.driver|--connection Driver=SQLite;Database=$TMP/other.sqlite --scope patients --scope admissions --model offline"
		"scope|--connection $conn --scope patients --model offline"
		"exclude|--connection $conn --scope patients --scope admissions --exclude admissions --model offline"
		"model|--connection $conn --scope patients --scope admissions --model m --api-base $LLM_URL"
		"prompts.dir|--connection $conn --scope patients --scope admissions --model offline --prompts-dir $ROOT/prompts"
		"shard|--connection $conn --scope patients --scope admissions --model offline --shard 0/2")
	for v in "${variants[@]}"; do
		k=${v%%|*}
		before=$(sec_snap "$out")
		# shellcheck disable=SC2086
		"$BIN" generate ${v#*|} --out "$out" --resume "$(basename "$run")" \
			>/dev/null 2>"$TMP/other.err"; rc=$?
		[ $rc = 2 ] || fail "$k: exit $rc, expected 2"
		grep -q "resume: $k differs" "$TMP/other.err" || fail "$k: $(cat "$TMP/other.err")"
		[ "$(sec_snap "$out")" = "$before" ] || fail "$k: the run folder changed"
	done
	[ ! -s "$LLM_REC" ] || fail "a refused resume called the LM"
	# the password is not part of the identity: another one is the same run
	"$BIN" generate --connection "$conn;PWD=other" --scope patients --scope admissions \
		--model offline --out "$out" --resume "$(basename "$run")" >/dev/null 2>"$TMP/other.ok"; rc=$?
	[ $rc = 0 ] || fail "the same run refused: $(cat "$TMP/other.ok")"
	grep -q '2 of 2 table(s) already done' "$TMP/other.ok" || fail "not resumed: $(cat "$TMP/other.ok")"
}

# Two processes on one run: a resume while the run is still going, and
# a second resume while a first one works, are refused (exit 2) and
# write nothing; an external flock(1) holder is respected the same way.
case_resume_refuses_concurrent() {
	local conn out run pid pid2 rc before
	command -v flock >/dev/null || { fail "flock(1) missing (util-linux)"; return 1; }
	start_llm conc --latency-ms 300 || return 1
	conn=$(sqlite_copy conc); out=$TMP/conc
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--concurrency 1 --no-cache -q >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s "$(ls -d "$out"/*/ 2>/dev/null | tail -1)checkpoint.jsonl" ] && break; sleep 0.1; done
	run=$(run_dir "$out")
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--concurrency 1 --resume "$(basename "$run")" >/dev/null 2>"$TMP/conc1.err"; rc=$?
	[ $rc = 2 ] || fail "resume during the run: exit $rc, expected 2"
	grep -q 'in use by another metagen process' "$TMP/conc1.err" || fail "$(cat "$TMP/conc1.err")"
	kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
	# the killed run's lock went with it: a first resume works on...
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--concurrency 1 --no-cache --resume "$(basename "$run")" >/dev/null 2>"$TMP/conc2.err" &
	pid2=$!
	for _ in $(seq 100); do grep -qs 'resuming run' "$TMP/conc2.err" && break; sleep 0.1; done
	grep -q 'resuming run' "$TMP/conc2.err" || fail "the first resume did not start: $(cat "$TMP/conc2.err")"
	# ...and a second one is refused while it does
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--concurrency 1 --resume "$(basename "$run")" >/dev/null 2>"$TMP/conc3.err"; rc=$?
	[ $rc = 2 ] || fail "second resume: exit $rc, expected 2"
	grep -q 'in use by another metagen process' "$TMP/conc3.err" || fail "$(cat "$TMP/conc3.err")"
	wait $pid2; rc=$?
	[ $rc = 0 ] || fail "the first resume failed ($rc): $(tail -2 "$TMP/conc2.err")"
	[ "$(grep -c '"table":' "$run/checkpoint.jsonl")" = 26 ] || fail "checkpoint not 26 tables"
	# a lock held by another process (flock(1)): refused, nothing written
	rm -f "$TMP/conc.locked"
	flock -n "$run/checkpoint.jsonl" -c "touch '$TMP/conc.locked'; sleep 20" &
	pid=$!
	for _ in $(seq 200); do [ -e "$TMP/conc.locked" ] && break; sleep 0.05; done
	[ -e "$TMP/conc.locked" ] || { kill $pid 2>/dev/null; fail "flock(1) did not take the lock"; return 1; }
	before=$(sec_snap "$out")
	"$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" --out "$out" \
		--resume "$(basename "$run")" >/dev/null 2>"$TMP/conc4.err"; rc=$?
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	[ $rc = 2 ] || fail "flock holder: exit $rc, expected 2"
	[ "$(sec_snap "$out")" = "$before" ] || fail "a refused resume changed the folder"
}

# The files that hold sample values are 0600 and their folders 0700,
# whatever the umask lets through.
case_run_files_private() {
	local conn out run f m
	start_llm modes || return 1
	conn=$(sqlite_copy modes); out=$TMP/modes/out
	( umask 000; "$BIN" generate --connection "$conn" --model m --api-base "$LLM_URL" \
		--out "$out" --cache-dir "$TMP/modes/cache" --scope patients >/dev/null 2>&1 ) \
		|| { fail "run failed"; return 1; }
	run=$(run_dir "$out")
	for f in "$out" "$run" "$TMP/modes/cache"; do
		m=$(stat -c %a "$f"); [ "$m" = 700 ] || fail "$f is $m, not 700"
	done
	for f in checkpoint.jsonl traces.jsonl comments.sql comments.tsv comments.json \
		dictionary.md manifest.json; do
		[ -f "$run/$f" ] || { fail "no $f"; continue; }
		m=$(stat -c %a "$run/$f"); [ "$m" = 600 ] || fail "$f is $m, not 600"
	done
	for f in "$TMP/modes/cache"/*; do
		m=$(stat -c %a "$f"); [ "$m" = 600 ] || fail "$f is $m, not 600"
	done
	[ -s "$TMP/modes/cache/cache.sqlite" ] || fail "no cache written"
}
