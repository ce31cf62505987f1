#!/bin/sh
# Turn a text file into a C byte array (NUL-terminated) so a binary can carry
# it. Portable od + awk, no xxd: usage embed_text.sh INPUT OUTPUT.c SYMBOL
set -eu
in=$1 out=$2 sym=$3
{
	printf '/* Generated from %s by config/embed_text.sh: edit the source file, not this. */\n' "$(basename "$in")"
	printf 'extern const char %s[];\n' "$sym"
	printf 'const char %s[] = {\n' "$sym"
	od -An -v -tu1 "$in" | awk '{ s = "\t"; for (i = 1; i <= NF; i++) s = s $i ","; print s }'
	printf '\t0\n};\n'
} >"$out.tmp"
mv "$out.tmp" "$out"
