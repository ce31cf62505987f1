#!/bin/sh
# Fail when the generated key reference inside docs/config.md differs from
# what the key table produces now. With --update, rewrite it in place.
# usage: check_docs.sh SL_CONFIG_CHECK DOCS_MD [--update]
set -eu
tool=$1 doc=$2 mode=${3:-check}
begin='<!-- BEGIN GENERATED: sl-config-check --reference -->'
end='<!-- END GENERATED -->'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$tool" --reference >"$tmp"
if [ "$mode" = "--update" ]; then
	awk -v b="$begin" -v e="$end" -v f="$tmp" '
		$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }' "$doc" >"$tmp.new"
	cat "$tmp.new" >"$doc"
	exit 0
fi
grep -qxF "$begin" "$doc" || { echo "$doc: missing marker: $begin" >&2; exit 1; }
awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$doc" |
	diff -u - "$tmp" >&2 || {
	echo "$doc is stale: run 'ninja -C <build> config-docs' (or config/check_docs.sh \$tool $doc --update)" >&2
	exit 1
}
