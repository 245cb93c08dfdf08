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

# The kernel-flag objects may need nothing from outside but what the
# kernel's libkern provides (memcpy, memset, memcmp) and each other.
for cc in gcc clang pc64; do
	objs=$(ls "$B/kern-$cc"/hammer2_*.o 2>/dev/null)
	if [ -z "$objs" ]; then
		fail "freestanding_symbols_$cc" "no objects in $B/kern-$cc"
		continue
	fi
	extra=$(nm -u $objs | awk 'NF == 2 { print $2 }' | sort -u |
	    grep -v -E '^(memcpy|memset|memcmp|hammer2_[a-z0-9_]+)$')
	if [ -z "$extra" ]; then
		pass "freestanding_symbols_$cc"
	else
		fail "freestanding_symbols_$cc" "needs: $(echo $extra)"
	fi
done

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

# Bounded libFuzzer run over both decoders (and compress round trips),
# from a few seeds made with Python's zlib plus hand-made LZ4 blocks.
if [ ! -x "$B/fuzz_decoders" ]; then
	fail fuzz_decoders "$B/fuzz_decoders not built"
else
	fz=$(mktemp -d "${TMPDIR:-/tmp}/h2fuzz.XXXXXX")
	mkdir -p "$fz/seeds" "$fz/corpus"
	python3 - "$fz/seeds" sys/vfs/hammer2/hammer2_deflate.c <<'PY'
import sys, zlib
out, src = sys.argv[1], open(sys.argv[2], 'rb').read()[:6000]
data = [src, b'hello hello hello hello', bytes(range(256)) * 3, b'\0' * 2000]
cap = bytes([63 << 2 | 1, 255])
for i, d in enumerate(data):
    for lvl in (0, 1, 6, 9):
        open('%s/z%d-%d' % (out, i, lvl), 'wb').write(
            cap + zlib.compress(d, lvl))
    open('%s/r%d' % (out, i), 'wb').write(bytes([63 << 2 | 3, 6]) + d[:3000])
open(out + '/l0', 'wb').write(bytes([8 << 2, 0, 0x50]) + b'hello')
open(out + '/l1', 'wb').write(bytes([8 << 2, 0, 0x1f, 97, 1, 0, 40, 0x50]) +
    b'abcde')
PY
	out=$(timeout -k 5 $((FUZZ_SECONDS + 120)) "$B/fuzz_decoders" \
	    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$fz/" "$fz/corpus" "$fz/seeds" 2>&1)
	rc=$?
	runs=$(printf '%s\n' "$out" | sed -n 's/^Done \([0-9]*\) runs.*/\1/p')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "# fuzz: $runs runs in ${FUZZ_SECONDS}s"
		pass "fuzz_decoders_${FUZZ_SECONDS}s"
	else
		fail "fuzz_decoders_${FUZZ_SECONDS}s" "exit $rc"
		printf '%s\n' "$out" | tail -n 60
		for a in "$fz"/crash-* "$fz"/timeout-* "$fz"/leak-*; do
			[ -f "$a" ] && od -A x -t x1z "$a" | head -n 20
		done
	fi
	rm -rf "$fz"
fi
