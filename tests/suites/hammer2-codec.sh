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

# Real blocks from DragonFly-made images.  name:expected compression.
FIXTURES="tiny:2 comp-lz4:2 comp-zlib:3 check-iscsi32:2 check-sha192:2 medium:2"
if [ -z "$SHARED" ] || ! command -v xz >/dev/null 2>&1; then
	for f in $FIXTURES; do
		skip "fixture_${f%:*}" "../shared/fixtures or xz absent"
	done
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/h2codec.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
	fx=$SHARED/fixtures/hammer2
	for f in $FIXTURES; do
		n=${f%:*}
		if [ ! -f "$fx/$n.img.xz" ]; then
			skip "fixture_$n" "$n.img.xz absent"
			continue
		fi
		if ! xz -dc "$fx/$n.img.xz" >"$tmp/$n.img"; then
			fail "fixture_$n" "xz failed"
			continue
		fi
		if [ "$n" = tiny ]; then
			# Format §19.6: text-4000.txt's 2 KiB LZ4 block.
			sha=$(awk -F'\t' '$1 == "text-4000.txt" { print $5 }' \
			    "$fx/tiny.MANIFEST.txt")
			run_prog "fixture_$n" "$B/test_fixture" "$n" \
			    "$tmp/$n.img" "$fx/$n.MANIFEST.txt" "${f#*:}" \
			    0x180700b "$sha"
			# The same image with one byte of that block flipped
			# must fail its check code.
			printf '\377' | dd of="$tmp/$n.img" bs=1 \
			    seek=$((0x1807000 + 100)) conv=notrunc 2>/dev/null
			out=$(timeout 120 "$B/test_fixture" "$n" \
			    "$tmp/$n.img" "$fx/$n.MANIFEST.txt" 2 2>&1)
			if [ $? -ne 0 ] && printf '%s\n' "$out" |
			    grep -q '^FAIL: fixture_tiny_check_codes'; then
				pass fixture_tiny_corrupt_block_detected
			else
				fail fixture_tiny_corrupt_block_detected
				printf '%s\n' "$out"
			fi
		else
			run_prog "fixture_$n" "$B/test_fixture" "$n" \
			    "$tmp/$n.img" "$fx/$n.MANIFEST.txt" "${f#*:}"
		fi
		rm -f "$tmp/$n.img"
	done
fi
