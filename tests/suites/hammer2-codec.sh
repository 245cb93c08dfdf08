#!/bin/sh
# tests/suites/hammer2-codec.sh - HAMMER2 codecs and check codes.
#
# Runs the unit tests (ASan/UBSan builds from mk/hammer2-codec.mk), which
# print their own PASS/FAIL lines, then decodes real compressed blocks
# from the DragonFly-made fixture images (SKIP without ../shared), then a
# bounded libFuzzer run over both decoders.
. tests/lib.sh

B=$O/hammer2-codec
FUZZ_SECONDS=${H2C_FUZZ_SECONDS:-30}

# run_prog NAME CMD...: pass through the program's PASS/FAIL/SKIP lines;
# a non-zero exit without a FAIL line (crash, sanitizer report) is a FAIL.
run_prog()
{
	_name=$1
	shift
	_out=$(timeout -k 5 600 "$@" 2>&1)
	_rc=$?
	printf '%s\n' "$_out" | grep -E '^(PASS|FAIL|SKIP): '
	if [ "$_rc" -ne 0 ] && ! printf '%s\n' "$_out" | grep -q '^FAIL: '; then
		fail "$_name" "exit $_rc"
	fi
	if [ "$_rc" -ne 0 ]; then
		printf '%s\n' "$_out" | grep -v -E '^(PASS|SKIP): ' | tail -n 60
	fi
}

run_prog hammer2_codec_check "$B/test_check"
run_prog hammer2_codec_cross "$B/test_codec" \
    /usr/share/common-licenses/GPL-3 sys/vfs/hammer2/hammer2_deflate.c \
    "$B/test_check"
