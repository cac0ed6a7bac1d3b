#!/bin/sh
# tests/sanitizers/run.sh REPORT_DIR COMMAND...: runs COMMAND (and everything
# it starts) with the sanitizers' options (env.sh), then fails when any
# process wrote a report. Exit status: COMMAND's, or 1 on a report.
dir=$1
shift
rm -rf "$dir"
san_dir=$dir
. "$(dirname "$0")/env.sh"
"$@"
rc=$?
sh "$(dirname "$0")/reports.sh" "$dir" || exit 1
exit $rc
