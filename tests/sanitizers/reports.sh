#!/bin/sh
# tests/sanitizers/reports.sh REPORT_DIR: prints every sanitizer report
# written to REPORT_DIR (see env.sh); exit status 1 when there is one.
dir=$1
n=0
for f in "$dir"/asan.* "$dir"/ubsan.*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	echo "---- $f"
	head -n 60 "$f"
done
if [ "$n" -gt 0 ]; then
	echo "sanitizers: $n report(s) in $dir"
	exit 1
fi
exit 0
