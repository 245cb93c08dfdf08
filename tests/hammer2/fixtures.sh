# tests/hammer2/fixtures.sh - decompressed HAMMER2 fixture images (sourced).
#
# h2_fixture NAME prints the path of NAME.img decompressed under
# $O/hammer2/fixtures, decompressing it only when the cached copy is missing
# or was made from a different NAME.img.xz (keyed by the .xz's size, mtime
# and sha256).  The 8 GiB image is sparse: xz writes runs of zeros as holes.
# Requires SHARED (tests/lib.sh).  Returns non-zero if xz fails.

H2_FIXDIR=${O:-obj}/hammer2/fixtures
H2_FIXTURES="tiny check-iscsi32 check-sha192 comp-lz4 comp-none comp-zlib names medium pfs-snapshot-8g"

h2_fixture()
{
	_xz=$SHARED/fixtures/hammer2/$1.img.xz
	_img=$H2_FIXDIR/$1.img
	mkdir -p "$H2_FIXDIR" || return 1
	_key=$(stat -c '%s.%Y' "$_xz")-$(sha256sum <"$_xz" | cut -c1-16)
	if [ -f "$_img" ] && [ "$(cat "$_img.key" 2>/dev/null)" = "$_key" ]; then
		echo "$_img"
		return 0
	fi
	# Concurrent runs each decompress to their own file; mv is atomic.
	xz -dc "$_xz" | cp --sparse=always /dev/stdin "$_img.tmp.$$" || return 1
	echo "$_key" >"$_img.key.$$" && mv "$_img.tmp.$$" "$_img" &&
	    mv "$_img.key.$$" "$_img.key" || return 1
	echo "$_img"
}
