#!/bin/sh
# tests/suites/style.sh - rules from STYLE.md that a machine can check.
#
#  - R10: machine-independent code (sys/kern, sys/vm, sys/vfs) never asks
#    which machine it runs on: no preprocessor test of the platform, the
#    architecture or a sanitizer;
#  - R11: every public kernel header (sys/sys/*.h) compiles alone, with
#    each platform's machine/ headers;
#  - every shell script parses; every man page passes mandoc -Tlint.
. tests/lib.sh

mi_conditionals=$(grep -rnE \
    '^[[:space:]]*#[[:space:]]*(if|ifdef|ifndef|elif).*(__x86_64__|_KERNEL_VIRTUAL|__SANITIZE|VKERNEL|PC64)' \
    sys/kern sys/vm sys/vfs 2>/dev/null)
if [ -z "$mi_conditionals" ]; then
	pass "R10: MI code has no platform conditionals"
else
	fail "R10: MI code has no platform conditionals"
	printf '%s\n' "$mi_conditionals"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for plat in vkernel64 pc64; do
	inc=$O/$plat/include
	if [ ! -d "$inc/machine" ]; then
		skip "R11: headers alone ($plat)" "$inc not built"
		continue
	fi
	bad=
	for h in sys/sys/*.h; do
		printf '#include <%s>\n' "${h#sys/}" >"$tmp/h.c"
		if ! ${CC:-gcc} -std=gnu11 -Wall -Wextra -Werror -ffreestanding \
		    -D_KERNEL -Isys -I"$inc" -fsyntax-only "$tmp/h.c" \
		    >"$tmp/out" 2>&1; then
			bad="$bad $h"
			head -5 "$tmp/out"
		fi
	done
	if [ -z "$bad" ]; then
		pass "R11: every sys/sys header compiles alone ($plat)"
	else
		fail "R11: every sys/sys header compiles alone ($plat)" "$bad"
	fi
done

bad=
for f in .ci/run tests/*.sh tests/suites/*.sh tools/*.sh tools/bench/*.sh \
    $(find sys tests tools -name '*.sh' 2>/dev/null); do
	[ -f "$f" ] || continue
	sh -n "$f" 2>"$tmp/out" || { bad="$bad $f"; cat "$tmp/out"; }
done
if [ -z "$bad" ]; then pass "shell scripts parse"; else
	fail "shell scripts parse" "$bad"; fi

if command -v mandoc >/dev/null 2>&1; then
	pages=$(find sbin share -name '*.[1-9]' 2>/dev/null)
	if [ -z "$pages" ]; then
		skip "man pages lint clean" "no man pages"
	elif mandoc -Tlint -Wwarning $pages >"$tmp/out" 2>&1; then
		pass "man pages lint clean ($(echo $pages | wc -w))"
	else
		fail "man pages lint clean"; cat "$tmp/out"
	fi
else
	skip "man pages lint clean" "mandoc not installed"
fi
