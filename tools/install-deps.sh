#!/bin/sh
# install-deps.sh - install the Debian packages the build and tests need.
#
# Every subsystem lists its packages in tools/deps.d/<subsystem>.pkgs, one
# per line ('#' starts a comment); packages only the benchmarks need are in
# tools/deps.d/bench/ and installed with --bench (make bench).  Packages
# already installed are skipped.
# As root the rest are installed with apt-get; otherwise the exact
# apt-get command is printed and the script fails.
set -eu
cd "$(dirname "$0")/.."

lists="tools/deps.d/*.pkgs"
[ "${1:-}" = "--bench" ] && lists="$lists tools/deps.d/bench/*.pkgs"
# shellcheck disable=SC2086
wanted=$(cat $lists 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' |
    sed '/^$/d' | sort -u)
missing=""
for pkg in $wanted; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
