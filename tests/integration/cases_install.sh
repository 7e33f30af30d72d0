# cases_install.sh - `make install` gives a library that pkg-config finds
# (a C program and a C++ program build against the installed headers and
# link with `pkg-config --libs metagen` alone) and a man page that man(1)
# renders. Sourced by run.sh.

case_install_pkgconfig_and_man() {
	local d=$TMP/inst pc out san=
	# a sanitizer build (make SANITIZE=... check) installs an instrumented
	# library: its users link the same runtime
	nm "$ROOT/build/libmetagen.a" 2>/dev/null | grep -q __asan_ && san=-fsanitize=address,undefined
	nm "$ROOT/build/libmetagen.a" 2>/dev/null | grep -q __ubsan_ && [ -z "$san" ] && san=-fsanitize=undefined
	make -C "$ROOT" --no-print-directory install DESTDIR="$d" PREFIX=/usr/local \
		>"$TMP/install.log" 2>&1 || { cat "$TMP/install.log" >&2; fail "make install"; return 1; }
	pc=$d/usr/local/lib/pkgconfig
	[ -f "$pc/metagen.pc" ] || { fail "no metagen.pc installed"; return 1; }
	[ ! -e "$d/usr/local/share/metagen/prompts" ] || fail "prompts installed but never read"
	cat >"$TMP/use.c" <<'C'
#include <metagen/metagen.h>
#include <metagen/buf.h>
#include <stdio.h>
int main(void)
{
	mgen_buf b = MGEN_BUF_INIT;
	mgen_buf_printf(&b, "%s %s", MGEN_VERSION, mgen_strerror(MGEN_EINVAL));
	puts(mgen_buf_str(&b));
	mgen_buf_release(&b);
	return 0;
}
C
	PKG_CONFIG_SYSROOT_DIR=$d PKG_CONFIG_PATH=$pc \
		cc -std=c11 $san -o "$TMP/use" "$TMP/use.c" \
		$(PKG_CONFIG_SYSROOT_DIR=$d PKG_CONFIG_PATH=$pc pkg-config --cflags --libs metagen) \
		|| { fail "a C program does not build with pkg-config --cflags --libs metagen"; return 1; }
	out=$("$TMP/use") || fail "the C program fails"
	case $out in "$("$BIN" --version | sed 's/^metagen //') "*) ;; *) fail "version from the library: $out" ;; esac
	cp "$TMP/use.c" "$TMP/use.cpp"
	PKG_CONFIG_SYSROOT_DIR=$d PKG_CONFIG_PATH=$pc \
		c++ $san -o "$TMP/usecpp" "$TMP/use.cpp" \
		$(PKG_CONFIG_SYSROOT_DIR=$d PKG_CONFIG_PATH=$pc pkg-config --cflags --libs metagen) \
		|| fail "a C++ program does not build against the headers"
	man -l "$d/usr/local/share/man/man1/metagen.1" 2>"$TMP/man.err" | grep -q 'EXIT STATUS' \
		|| { cat "$TMP/man.err" >&2; fail "man -l metagen.1 does not render"; }
}
