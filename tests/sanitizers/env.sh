# tests/sanitizers/env.sh: the options of programs built with
# AddressSanitizer and UndefinedBehaviorSanitizer (make -C src/cli
# check-asan, tests/ship/run.sh with W2E_SANITIZE=1), sourced:
#
#   san_dir=REPORT_DIR; . tests/sanitizers/env.sh
#
# Every report (memory error, leak, undefined behaviour) stops the process
# with SIGABRT and is written to REPORT_DIR/<kind>.<pid>, where
# tests/sanitizers/reports.sh finds it: a test that only looks at an exit
# status, or a process killed on purpose, still cannot hide one.
san_here=$(cd "$(dirname "${BASH_SOURCE:-$0}")" 2>/dev/null && pwd)
mkdir -p "$san_dir"
san_dir=$(cd "$san_dir" && pwd)
export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:log_path=$san_dir/asan"
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:log_path=$san_dir/ubsan"
export LSAN_OPTIONS="suppressions=$san_here/lsan.supp:print_suppressions=0"
