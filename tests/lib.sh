# tests/lib.sh - helpers for test suites (sourced, POSIX sh).
#
#   check NAME CMD...   run CMD; PASS: NAME if it exits 0, else FAIL: NAME
#                       followed by its output
#   pass NAME / fail NAME [WHY] / skip NAME WHY
#   SHARED              ../shared if present (fixtures), else empty
#   O                   the build output directory (obj)

O=${O:-obj}
SHARED=
if [ -d ../shared/fixtures ]; then
	SHARED=$(cd ../shared && pwd)
fi

pass()
{
	echo "PASS: $1"
}

fail()
{
	echo "FAIL: $1${2:+ ($2)}"
}

skip()
{
	echo "SKIP: $1 ($2)"
}

check()
{
	_name=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		pass "$_name"
	else
		fail "$_name" "exit $_rc"
		printf '%s\n' "$_out" | tail -n 60
	fi
	return "$_rc"
}
