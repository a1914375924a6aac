# Shared by perf/run-benchmarks.sh and perf/run-delta-benchmarks.sh (sourced, not run): logging,
# installing missing tools, measuring a command (wall time, RSS, heap from a GC log) and building
# the summary table. Expects $bench (the cache and scratch folder) to be set by the caller.
# shellcheck shell=bash
log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "$(basename "$0"): $*" >&2; exit 1; }

need_tools() {
  local missing=()
  for t in "$@"; do
    case "$t" in
      time) [ -x /usr/bin/time ] || missing+=(time) ;;
      *) command -v "$t" >/dev/null 2>&1 || missing+=("$t") ;;
    esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: install them (apt-get install -y ${missing[*]})"
    log "Installing ${missing[*]}"
    apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# need_rootfs: $bench/rootfs, a real Debian root filesystem (debootstrap --variant=minbase
# bookworm, about a minute, needs root and deb.debian.org), built once and kept.
need_rootfs() {
  local rootfs="$bench/rootfs"
  if [ ! -d "$rootfs" ]; then
    need_tools debootstrap
    log "debootstrap --variant=minbase bookworm (about a minute; needs deb.debian.org)"
    rm -rf "$rootfs.partial"
    debootstrap --variant=minbase bookworm "$rootfs.partial" http://deb.debian.org/debian >&2
    mv "$rootfs.partial" "$rootfs"
  fi
}

# ------------------------------------------------------------------ measuring

# measure NAME HEAP CMD...: runs CMD under /usr/bin/time -v; for gapsync, the JVM gets -XmxHEAP
# and a GC log ('-' for HEAP: not a JVM). Sets M_WALL (s), M_CPU (user + system CPU seconds: what
# the command cost whatever else ran), M_RSS (MiB), M_HEAP_PEAK and M_HEAP_LIVE (MiB: the most
# heap in use seen, before a collection or at exit, and the most left after a collection), M_RC,
# M_LOAD (1-minute load average before it); appends a line to $bench/measurements.log.
measure() {
  local name="$1" heap="$2"
  shift 2
  local tf="$bench/time-$name.txt" gc="$bench/gc-$name.log" t0 t1
  rm -f "$gc"
  M_LOAD=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s%N)
  set +e
  if [ "$heap" = - ]; then
    /usr/bin/time -v -o "$tf" "$@" > "$bench/stdout-$name.txt"
  else
    GAPSYNC_JAVA_OPTS="-Xmx$heap -Xlog:gc,gc+heap+exit:file=$gc" /usr/bin/time -v -o "$tf" "$@" \
      > "$bench/stdout-$name.txt"
  fi
  M_RC=$?
  set -e
  t1=$(date +%s%N)
  M_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  M_RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tf")
  M_CPU=$(awk -F': ' '/(User|System) time \(seconds\)/ { t += $2 } END { printf "%.2f", t }' "$tf")
  M_HEAP_PEAK=-
  M_HEAP_LIVE=-
  if [ "$heap" != - ] && [ -f "$gc" ]; then
    read -r M_HEAP_PEAK M_HEAP_LIVE < <(gc_summary "$gc")
  fi
  printf '%s load=%s rc=%s wall=%ss cpu=%ss rss=%sMiB heap_peak=%sMiB heap_after_gc=%sMiB cmd=%s\n' \
    "$name" "$M_LOAD" "$M_RC" "$M_WALL" "$M_CPU" "$M_RSS" "$M_HEAP_PEAK" "$M_HEAP_LIVE" "$*" >> "$bench/measurements.log"
  echo "   $name: ${M_WALL}s, max RSS ${M_RSS} MiB, heap peak ${M_HEAP_PEAK} MiB, after GC ${M_HEAP_LIVE} MiB (exit $M_RC)" >&2
}

# gc_summary LOG: prints "PEAK LIVE" in MiB from unified GC logging: PEAK is the largest heap
# occupancy seen (before any collection, or in use at exit), LIVE the largest after a collection.
gc_summary() {
  awk '
    function mib(v,   n, u) {
      n = v + 0; u = substr(v, length(v), 1)
      if (u == "K") return n / 1024; if (u == "G") return n * 1024; return n
    }
    /GC\([0-9]+\)/ && match($0, /[0-9]+[KMG]->[0-9]+[KMG]\(/) {
      s = substr($0, RSTART, RLENGTH - 1); split(s, p, "->")
      if (mib(p[1]) > peak) peak = mib(p[1]); if (mib(p[2]) > live) live = mib(p[2])
    }
    /garbage-first heap/ && match($0, /used [0-9]+K/) {
      u = substr($0, RSTART + 5, RLENGTH - 5); if (mib(u) > peak) peak = mib(u)
    }
    END { printf "%.0f %s\n", peak, (live > 0 ? sprintf("%.0f", live) : "-") }' "$1"
}

# run_label R: "1 (cold)" when run 1 can start from an empty page cache (root), else "R (warm)".
# prepare_run R: writes back what earlier commands left dirty, so that no command pays for
# another's writes, and before every command of run 1 empties the page cache, when allowed.
can_drop=0
if [ -w /proc/sys/vm/drop_caches ]; then can_drop=1; fi
run_label() {
  if [ "$1" = 1 ] && [ "$can_drop" = 1 ]; then echo "1 (cold)"; else echo "$1 (warm)"; fi
}
prepare_run() {
  sync
  if [ "$1" = 1 ] && [ "$can_drop" = 1 ]; then
    echo 3 > /proc/sys/vm/drop_caches
  fi
}

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

rows=()
row() { rows+=("| $(IFS='|'; echo "$*" | sed 's/|/ | /g') |"); }
