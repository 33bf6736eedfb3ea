# Sourced by scripts/test: runs scripts/bench quickly (the test divisions, one run, the
# debug binary, stopping after the roll-ups) to a missed bound — on files that small the
# engines' own tools are far ahead — and checks that it failed and left nothing behind:
# no work directory, no PostgreSQL, no datong server.

bench_cleans_up() {
  local datong=$1 log
  log=$(mktemp /tmp/datong-bench-test.XXXXXX)
  local status=0
  BENCH_QUICK=1 RUNS=1 DATONG_BIN="$datong" DATONG_DIVISIONS=crates/datong/tests/fixtures/divisions \
    scripts/bench >"$log" 2>&1 || status=$?
  local work pg
  work=$(sed -n 's/^bench: work in \(.*\), PostgreSQL in .*/\1/p' "$log")
  pg=$(sed -n 's/^bench: work in .*, PostgreSQL in \(.*\)/\1/p' "$log")
  local problems=()
  [ "$status" -ne 0 ] || problems+=("the bench passed; it should have missed a bound")
  grep -q '^MISS' "$log" || problems+=("no bound was missed")
  [ -n "$work" ] && [ -n "$pg" ] || problems+=("the bench did not say where it worked")
  [ -n "$work" ] && [ -e "$work" ] && problems+=("its work directory $work is left")
  [ -n "$pg" ] && [ -e "$pg" ] && problems+=("its PostgreSQL directory $pg is left")
  [ -n "$pg" ] && pgrep -f -- "$pg" >/dev/null && problems+=("its PostgreSQL still runs")
  [ -n "$work" ] && pgrep -f -- "$work" >/dev/null && problems+=("a datong server on $work still runs")
  if [ ${#problems[@]} -gt 0 ]; then
    cat "$log"
    printf 'bench cleanup: %s\n' "${problems[@]}" >&2
    rm -f "$log"
    return 1
  fi
  echo "bench cleanup: a run that missed its bounds left nothing behind"
  rm -f "$log"
}
