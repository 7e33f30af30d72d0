#!/usr/bin/env bash
# tools_check.sh - every command the tests call comes from a Debian package
# that a fresh Debian 12 gets from `make deps` / .ci/run.
#
# 1. The package list of .ci/run's apt-get line is the Makefile's
#    DEBIAN_PKGS (the two must not drift apart).
# 2. The commands the test scripts call are collected from the scripts
#    themselves: the first word at each command position (line start, after
#    ; | && || $( ( ! then do else) of tests/*.sh, tests/integration/*.sh,
#    tests/server/*.sh, examples/*.sh and .ci/run, heredoc bodies (Python,
#    SQL) and the words of quoted strings left out (a double-quoted string
#    keeps only its $(...) commands), plus the programs the unit tests
#    start (system(), execvp()) and pg.sh's PostgreSQL server binaries.
# 3. Each command must be installed, and the package that owns it
#    (dpkg -S) must be in DEBIAN_PKGS, in what they depend on (apt-cache
#    depends --recurse), or be Essential / Priority required (what
#    debootstrap --variant=minbase installs).
# Prints one line per problem and "tools_check: N commands, N problems";
# exits 1 on any problem. Run from anywhere: tests/tools_check.sh [-v].
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
verbose=${1:-}
problems=0
problem() { echo "tools_check: $*"; problems=$((problems + 1)); }

for t in dpkg-query apt-cache make; do
	command -v "$t" >/dev/null || { echo "tools_check: $t is needed to check the packages"; exit 1; }
done

# --- 1. the two package lists ------------------------------------------------
# NODE_PKGS as on a machine without npm (.ci/run installs them then)
mk_pkgs=$(make -s -f - print-debian-pkgs NODE_PKGS='nodejs npm' <<'EOF' 2>/dev/null
include Makefile
print-debian-pkgs:
	@echo $(DEBIAN_PKGS)
EOF
)
[ -n "$mk_pkgs" ] || { echo "tools_check: cannot read DEBIAN_PKGS from the Makefile"; exit 1; }
ci_pkgs=$(python3 - .ci/run <<'EOF'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for line in text.split("\n"):
    if "apt-get install" in line:
        words = line.split("apt-get install", 1)[1].split()
        print("\n".join(sorted({w for w in words if not w.startswith("-")})))
EOF
)
ci_pkgs=$(printf '%s\n' $ci_pkgs | sort -u)
mk_sorted=$(printf '%s\n' $mk_pkgs | sort -u)
if [ "$ci_pkgs" != "$mk_sorted" ]; then
	problem ".ci/run installs other packages than DEBIAN_PKGS:" \
		"$(diff <(echo "$mk_sorted") <(echo "$ci_pkgs") | grep '^[<>]' | tr '\n' ' ')"
fi

# --- 2. the commands the tests call -------------------------------------------
scripts=$(ls tests/*.sh tests/*/*.sh examples/*.sh .ci/run 2>/dev/null)
# the first word at each command position, with heredoc bodies (Python,
# SQL), single-quoted strings and comments left out
cmds=$(python3 - $scripts <<'EOF'
import re, sys
SEP = re.compile(r"^|\$\(|\|\||&&|[;|(`{!]|\b(?:then|do|else|exec|command|time|timeout\s+[0-9.]+[a-z]?)\b")
WORD = re.compile(r"[ \t]*([a-z][a-z0-9_+-]*)(?=[ \t]|$|[<>;|&])")
def unquote(text):
    """Quoted text out, left to right: a single-quoted string becomes '',
    a double-quoted one "" holding only its command substitutions $(...)
    (nested quotes and parentheses followed), so words inside strings are
    never taken for commands."""
    out, stack, depth, i, n = [], ["code"], [0], 0, len(text)
    while i < n:
        c, top = text[i], stack[-1]
        if c == "\\":
            if top == "code":
                out.append(text[i:i + 2])
            i += 2
            continue
        if top == "dq":
            if c == '"':
                stack.pop(); out.append('"')
            elif text.startswith("$(", i) and not text.startswith("$((", i):
                stack.append("code"); depth.append(0); out.append("$("); i += 1
            i += 1
            continue
        if c == "'":
            j = text.find("'", i + 1)
            i = n if j < 0 else j + 1
            out.append("''")
            continue
        if c == '"':
            stack.append("dq"); out.append('"')
        elif c == "(":
            depth[-1] += 1; out.append(c)
        elif c == ")" and depth[-1] == 0 and len(stack) > 1:
            stack.pop(); depth.pop(); out.append(c)
        elif c == ")":
            depth[-1] = max(0, depth[-1] - 1); out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    out, term = [], None
    for line in text.split("\n"):
        if term is not None:
            if line.strip() == term:
                term = None
            continue
        m = re.search(r"<<-?\s*['\"]?([A-Za-z0-9_]+)", line)
        if m:
            term = m.group(1)
        out.append(line)
    text = "\n".join(out).replace("\\\n", " ")
    text = re.sub(r"(?m)(^|\s)#.*$", "", text)        # comments
    text = re.sub(r"\$?\(\([^()]*\)\)", "0", text)   # arithmetic
    text = unquote(text)
    for line in text.split("\n"):
        for sep in SEP.finditer(line):
            m = WORD.match(line, sep.end())
            if m:
                print(m.group(1))
EOF
)
# programs the unit tests start
cmds="$(printf '%s\n' $cmds | sort -u)
$(grep -ohE '(execvp|execlp)\("[a-z0-9_.+-]+"' tests/unit/*.c tests/unit/*.h | sed -E 's/.*\("//; s/"$//')
$(grep -ohE 'snprintf\(cmd, sizeof\(cmd\), "[a-z0-9_.+-]+ ' tests/unit/*.c | sed -E 's/.*"//; s/ $//')
initdb
pg_ctl"

# words at a command position that are the shell's own, or names the
# scripts define (functions, case_*), or variables' expansions
# (and words of inline Python / awk / JavaScript programs the scan cannot
# tell apart)
builtins=" print not import const let var if then else elif fi for while until do done case esac in function return local export unset set shift trap wait kill echo printf read cd pwd true false test exit source declare eval break continue type command alias hash umask ulimit getopts let readonly time exec "
funcs=$(grep -ohE '^[[:space:]]*[a-z_][a-z0-9_]*\(\)' $scripts | tr -d ' \t()' | sort -u)

# packages a fresh machine has: DEBIAN_PKGS and their dependencies, and
# Essential / required ones
allowed=$( (printf '%s\n' $mk_pkgs
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances $mk_pkgs 2>/dev/null |
		sed -nE 's/^ *(\|?(Pre)?Depends): *<?([a-z0-9.+-]+)(:[a-z0-9]+)?>?$/\3/p; s/^([a-z0-9.+-]+)(:[a-z0-9]+)?$/\1/p'
	dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' 2>/dev/null |
		awk '$2 == "yes" || $3 == "required" { print $1 }') | sort -u)

seen=" "
n=0
for c in $cmds; do
	case "$builtins" in *" $c "*) continue ;; esac
	printf '%s\n' "$funcs" | grep -qx "$c" && continue
	case "$c" in case_*) continue ;; esac
	case "$seen" in *" $c "*) continue ;; esac
	seen="$seen$c "
	if [ "$c" = initdb ] || [ "$c" = pg_ctl ]; then
		path=$(ls -d /usr/lib/postgresql/*/bin/"$c" 2>/dev/null | sort -V | tail -1)
	else
		path=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$c" 2>/dev/null)
	fi
	case "$path" in /*) ;; *) [ -z "$path" ] && problem "command '$c' is called by the tests but not installed"; continue ;; esac
	n=$((n + 1))
	real=$(readlink -f "$path")
	pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1)
	# /usr/bin/x may be a symlink into /bin (usrmerge) or an alternative
	for d in /bin /sbin /usr/bin /usr/sbin; do
		[ -n "$pkg" ] || pkg=$(dpkg -S "$d/$c" 2>/dev/null | head -1 | cut -d: -f1)
	done
	# an alternative (awk): fine when one of its providers is allowed
	if [ -n "$pkg" ] && [ -L "$path" ] && ! printf '%s\n' "$allowed" | grep -qx "$pkg"; then
		for alt in $(update-alternatives --list "$c" 2>/dev/null); do
			p2=$(dpkg -S "$alt" 2>/dev/null | head -1 | cut -d: -f1)
			printf '%s\n' "$allowed" | grep -qx "$p2" && pkg=$p2
		done
	fi
	if [ -z "$pkg" ]; then
		problem "command '$c' ($path) belongs to no Debian package"
		continue
	fi
	pkg=${pkg%%,*}
	if printf '%s\n' "$allowed" | grep -qx "$pkg"; then
		[ -n "$verbose" ] && echo "  $c: $path ($pkg)"
	else
		problem "command '$c' ($path) comes from package '$pkg', which" \
			"neither DEBIAN_PKGS nor a fresh Debian 12 installs: add it" \
			"to DEBIAN_PKGS in the Makefile and to .ci/run"
	fi
done
echo "tools_check: $n commands, $problems problems"
[ "$problems" = 0 ]
