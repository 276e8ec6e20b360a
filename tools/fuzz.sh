#!/usr/bin/env bash
# Runs the libFuzzer harnesses of fuzz/ (built with -DKDFACE_FUZZ=ON, clang; see fuzz/README.md).
#
#   tools/fuzz.sh [--build DIR] [--replay] [--seconds N] [--jobs J] [--merge] [targets...]
#
#   --build DIR   build tree holding fuzz/fuzz_<target> (default build-san, CI's clang ASan build)
#   --replay      run each harness over its corpus fuzz/corpus/<target>/ once: the regression check
#   --seconds N   fuzz each target N seconds (default 60); new inputs go to DIR/fuzz-out/<target>/corpus,
#                 never into the repository, unless --merge
#   --merge       afterwards, merge the inputs that add coverage into fuzz/corpus/<target>/
#   --jobs J      targets run J at a time (default 1)
#   targets       names such as safetensors or fuzz_safetensors (default: every harness built)
#
# Prints one JSON line per target (execs, exec/s, cov and ft from libFuzzer's final stats, crashes)
# and exits non-zero when any target crashed, naming the reproducer file.
set -euo pipefail

main() {
  root="$(cd "$(dirname "$0")/.." && pwd)"
  build="$root/build-san" replay=0 seconds=60 jobs=1 merge=0 targets=()
  while (($#)); do
    case "$1" in
      --build) build="$(cd "$2" && pwd)"; shift 2 ;;
      --replay) replay=1; shift ;;
      --seconds) seconds="$2"; shift 2 ;;
      --jobs) jobs="$2"; shift 2 ;;
      --merge) merge=1; shift ;;
      -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      -*) echo "tools/fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
      *) targets+=("${1#fuzz_}"); shift ;;
    esac
  done
  [[ -d "$build/fuzz" ]] || { echo "tools/fuzz.sh: no $build/fuzz: configure with CXX=clang++ -DKDFACE_FUZZ=ON and build the target fuzzers" >&2; exit 2; }
  if ((${#targets[@]} == 0)); then
    for b in "$build"/fuzz/fuzz_*; do [[ -x "$b" && -f "$b" ]] && targets+=("$(basename "$b" | sed 's/^fuzz_//')"); done
  fi
  ((${#targets[@]})) || { echo "tools/fuzz.sh: no harness built in $build/fuzz (cmake --build $build --target fuzzers)" >&2; exit 2; }

  out="$build/fuzz-out"
  mkdir -p "$out"
  # The engine keeps per-process caches on purpose (docs/testing.md); leaks are not what this looks for.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
  # The CPU backend caches freed blocks per size for training; here it would only grow towards the
  # rss limit and hide use-after-free from ASan.
  export KDFACE_CPU_CACHE_MB=0

  for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
    run_one "$t" &
  done
  wait

  status=0
  mode=fuzz
  ((replay)) && mode=replay
  for t in "${targets[@]}"; do
    res="$out/$t/$mode.json"
    cat "$res"
    if ! python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(1 if r.get("crashes") or r.get("error") else 0)' "$res"; then
      status=1
      echo "tools/fuzz.sh: fuzz_$t failed; reproduce with: $build/fuzz/fuzz_$t $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reproducer") or "")' "$res")  (log: $out/$t/$mode.log)" >&2
    fi
  done
  exit $status
}

run_one() {  # target -> $out/<target>/{<mode>.log,<mode>.json}; a replay may run beside a campaign
  local t="$1" bin="$build/fuzz/fuzz_$1" corpus="$root/fuzz/corpus/$1" dir="$out/$1"
  local mode=fuzz args rc=0
  ((replay)) && mode=replay
  local log="$dir/$mode.log" tmp="$dir/tmp-$mode"
  rm -rf "$tmp" "$dir/$mode"-crash-* "$dir/$mode"-leak-* "$dir/$mode"-timeout-* "$dir/$mode"-oom-*
  mkdir -p "$dir/corpus" "$tmp"
  # -rss_limit_mb: decode_jpeg accepts 16384x16384 (805 MB) on purpose; -timeout: a hang is a bug.
  # FUZZ_TIMEOUT: seconds one input may take (a hang is a bug); raise it where other work may
  # SIGSTOP the fuzzer, whose alarm counts wall time.
  args=(-print_final_stats=1 -rss_limit_mb=3072 -artifact_prefix="$dir/$mode-" -timeout="${FUZZ_TIMEOUT:-20}")
  if [[ ! -x "$bin" ]]; then
    echo "{\"target\":\"$t\",\"error\":\"$bin not built\"}" > "$dir/$mode.json"; return 0
  fi
  if ((replay)); then
    TMPDIR="$tmp" "$bin" "${args[@]}" -runs=0 "$corpus" > "$log" 2>&1 || rc=$?
  else
    TMPDIR="$tmp" "$bin" "${args[@]}" -max_total_time="$seconds" "$dir/corpus" "$corpus" > "$log" 2>&1 || rc=$?
    if ((merge && rc == 0)); then
      TMPDIR="$tmp" "$bin" -merge=1 -rss_limit_mb=3072 "$corpus" "$dir/corpus" >> "$log" 2>&1 || rc=$?
    fi
  fi
  rm -rf "$tmp"
  python3 - "$t" "$mode" "$rc" "$dir" "$seconds" <<'PY' > "$dir/$mode.json"
import json, re, sys, glob
t, mode, rc, d, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
log = open("%s/%s.log" % (d, mode), errors="replace").read()
stat = lambda k: (lambda m: int(m.group(1)) if m else None)(re.search(r"stat::%s:\s*(\d+)" % k, log))
cov = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+)(?: corp: (\d+)/)?", log, re.M)
repro = [f for f in re.findall(r"Test unit written to (\S+)", log) if "slow-unit-" not in f]
repro += sorted(sum((glob.glob("%s/%s-%s-*" % (d, mode, k)) for k in ("crash", "timeout", "oom", "leak")), []))
repro = list(dict.fromkeys(repro))
r = {"target": t, "mode": mode, "seconds": secs if mode == "fuzz" else None, "execs": stat("number_of_executed_units"),
     "exec_per_s": stat("average_exec_per_sec"), "cov": int(cov[-1][0]) if cov else None,
     "ft": int(cov[-1][1]) if cov else None, "corpus": int(cov[-1][2]) if cov and cov[-1][2] else None,
     "new_units": stat("new_units_added"), "peak_rss_mb": stat("peak_rss_mb"),
     "slowest_unit_s": stat("slowest_unit_time_sec"),
     "crashes": len(repro) if repro else (1 if rc else 0), "reproducer": repro[0] if repro else None, "rc": rc}
if "libFuzzer: run interrupted" in log and not repro:
    r.update(crashes=0, interrupted=True)  # SIGINT: stopped early on purpose, stats are final
elif rc and not repro:
    r["error"] = "exit %d without a reproducer; see %s/%s.log" % (rc, d, mode)
print(json.dumps(r))
PY
}

# One function read whole before it runs: editing this file cannot change a run in progress.
main "$@"
exit
