#!/usr/bin/env bash
# Runs gapsync's benchmarks side by side with their baselines, in one run, and prints a summary
# table (also written to perf/target/results.md). See perf/README.md for what each figure means.
#
#   perf/run-benchmarks.sh [--only ingest|inventory|jmh|fec] [--no-jmh] [--no-build] [--runs N]
#
# 1. ingest: a multi-layer OCI layout built from a real Debian root filesystem (debootstrap +
#    umoci, cached under perf/target/bench/) is copied and hashed with cp + sha256sum ("raw"),
#    copied by skopeo (if installed), added with `gapsync add` into a fresh store and exported
#    with `gapsync get`; each side runs --runs times (default 2), first and later runs reported.
# 2. inventory: a synthetic store of 1,000,000 blobs (built once by SyntheticStoreBench, cached)
#    is timed with `gapsync inventory export` and `gapsync inventory missing --json` against the
#    inventory of a site holding 99% of it, at -Xmx1g and at -Xmx256m.
# 3. jmh: DigestSetBenchmark and InventoryReadBenchmark.
# 4. fec: FecBenchmark, the diode's FEC on one core, both schemes side by side, in MB/s of data
#    (only with --only fec: about 6 minutes).
#
# Needs root for debootstrap (first run only) and Debian's archive for it; installs debootstrap,
# umoci and time with apt-get when missing. Environment: GAPSYNC_BENCH_DIR (cache and scratch,
# default perf/target/bench), GAPSYNC_BENCH_JARS_MB (size of the jar layer, default 250).
set -euo pipefail

perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
bench="${GAPSYNC_BENCH_DIR:-$perf/target/bench}"
jars_mb="${GAPSYNC_BENCH_JARS_MB:-250}"
results="$perf/target/results.md"
gapsync="$repo/bin/gapsync"
jar="$repo/cli/target/gapsync.jar"

only=""
jmh=1
build=1
runs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --no-jmh) jmh=0; shift ;;
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run-benchmarks.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# shellcheck source=perf/bench-lib.sh
. "$perf/bench-lib.sh"

need_tools time
mkdir -p "$bench"
if [ "$build" = 1 ] || [ ! -f "$jar" ] || [ ! -f "$perf/target/classpath.txt" ]; then
  log "Building gapsync.jar and the perf module (./mvnw -Pbench -pl perf -am package)"
  (cd "$repo" && ./mvnw -B -q -DskipTests -Pbench -pl perf -am package) >&2
fi
[ -f "$jar" ] || die "$jar was not built"
perf_cp="$perf/target/classes:$(cat "$perf/target/classpath.txt")"

# ------------------------------------------------------------------ 1. ingest

# Builds the multi-layer Debian layout once: three layers (the root filesystem without /usr,
# /usr, and about $jars_mb MB of jars from the local Maven repository).
build_layout() {
  local layout="$bench/oci-debian" rootfs="$bench/rootfs" stage="$bench/layout-stage"
  if [ -f "$layout.complete" ]; then
    return
  fi
  need_tools debootstrap umoci
  need_rootfs
  log "Building the OCI layout $layout"
  rm -rf "$layout" "$stage"
  mkdir -p "$stage/jars"
  # Hard links: the staged copies cost no space and keep every owner, mode and time.
  cp -al "$rootfs" "$stage/rest"
  mv "$stage/rest/usr" "$stage/usr"
  (cd "$HOME/.m2/repository" && find . -name '*.jar' -type f -printf '%s %p\n' | sort -k2) |
    awk -v max="$((jars_mb * 1000000))" '{ t += $1; if (t <= max) print $2 }' |
    (cd "$HOME/.m2/repository" && xargs -r cp --parents -t "$stage/jars")
  umoci init --layout "$layout"
  umoci new --image "$layout:base"
  umoci insert --image "$layout:base" "$stage/rest" /
  umoci insert --image "$layout:base" "$stage/usr" /usr
  umoci insert --image "$layout:base" "$stage/jars" /opt/m2
  # Each insert leaves the previous manifest and config behind: keep only what the image uses.
  umoci gc --layout "$layout"
  rm -rf "$stage"
  touch "$layout.complete"
}

bench_ingest() {
  build_layout
  local layout="$bench/oci-debian" scratch="$bench/scratch"
  local bytes blobs
  bytes=$(find "$layout/blobs" -type f -printf '%s\n' | awk '{ t += $1 } END { print t }')
  blobs=$(find "$layout/blobs" -type f | wc -l)
  log "Ingest: $layout, $blobs blobs, $bytes bytes, $runs runs per side"
  rows+=("" "### Ingest and export of a multi-layer Debian layout ($blobs blobs, $(mbps "$bytes" 1) MB)" ""
    "| run | what | wall s | MB/s | vs raw | max RSS MiB | heap peak MiB | heap after GC max MiB | load |"
    "|---|---|---|---|---|---|---|---|---|")
  local r raw add lbl
  measure jvm-start 256m "$gapsync" --version
  row - "gapsync --version (JVM start, for scale)" "$M_WALL" - - "$M_RSS" "$M_HEAP_PEAK" "$M_HEAP_LIVE" "$M_LOAD"
  for r in $(seq 1 "$runs"); do
    lbl=$(run_label "$r")
    rm -rf "$scratch" && mkdir -p "$scratch"
    prepare_run "$r"
    measure "ingest-raw-$r" - bash -c \
      'cp -r "$1/blobs/sha256" "$2/raw" && cd "$2/raw" && sha256sum -- * > /dev/null' _ "$layout" "$scratch"
    [ "$M_RC" = 0 ] || die "the raw copy failed"
    raw=$M_WALL
    row "$lbl" "raw: cp -r + sha256sum" "$raw" "$(mbps "$bytes" "$raw")" "1.00" "$M_RSS" - - "$M_LOAD"
    if command -v skopeo >/dev/null 2>&1; then
      prepare_run "$r"
      measure "ingest-skopeo-$r" - skopeo copy -q "oci:$layout:base" "oci:$scratch/skopeo:base"
      [ "$M_RC" = 0 ] || die "skopeo copy failed"
      row "$lbl" "skopeo copy oci: to oci:" "$M_WALL" "$(mbps "$bytes" "$M_WALL")" \
        "$(ratio "$raw" "$M_WALL")" "$M_RSS" - - "$M_LOAD"
    fi
    prepare_run "$r"
    measure "ingest-add-$r" 256m "$gapsync" add "oci:$layout:base" --as bench/debian:base --store "$scratch/store"
    [ "$M_RC" = 0 ] || die "gapsync add failed (see $bench/gc-ingest-add-$r.log)"
    add=$M_WALL
    row "$lbl" "gapsync add (-Xmx256m)" "$add" "$(mbps "$bytes" "$add")" "$(ratio "$raw" "$add")" \
      "$M_RSS" "$M_HEAP_PEAK" "$M_HEAP_LIVE" "$M_LOAD"
    prepare_run "$r"
    measure "ingest-get-$r" 256m "$gapsync" get bench/debian:base "oci:$scratch/out" --store "$scratch/store"
    [ "$M_RC" = 0 ] || die "gapsync get failed"
    row "$lbl" "gapsync get to oci: (-Xmx256m)" "$M_WALL" "$(mbps "$bytes" "$M_WALL")" \
      "$(ratio "$raw" "$M_WALL")" "$M_RSS" "$M_HEAP_PEAK" "$M_HEAP_LIVE" "$M_LOAD"
    # Export is bit for bit: the same blob files, by name (digest).
    diff <(cd "$layout/blobs" && find . -type f | sort) <(cd "$scratch/out/blobs" && find . -type f | sort) \
      >/dev/null || die "gapsync get did not give back the same blobs"
    rm -rf "$scratch"
  done
  rows+=("" "MB = 10^6 bytes of blob files; \"vs raw\" = raw wall time / this wall time (1.00 = as fast as cp + sha256sum)."
    "Every command starts after a sync, so none pays for the writes of the one before; cold: the page cache was also emptied (echo 3 > /proc/sys/vm/drop_caches); warm: not."
    "Heap peak: the most heap in use seen in the GC log (before a collection, or at exit); RSS: /usr/bin/time -v;"
    "load: the 1-minute load average just before the command; the benchmark itself makes about 1, more means other work shared the cores.")
}

# ------------------------------------------------------------------ 2. inventory

bench_inventory() {
  local store="$bench/synthetic-store" site="$bench/site-inventory.json" scratch="$bench/scratch-inv"
  log "Preparing the synthetic 1,000,000-blob store and the site inventory (cached)"
  java -cp "$perf_cp" io.gapsync.perf.SyntheticStoreBench --store "$store" --inventory "$site"
  local sbytes
  sbytes=$(du -sb "$store" | cut -f1)
  rows+=("" "### inventory export and missing, synthetic store: 1,000,000 blobs, 10,000 manifests and tags ($(mbps "$sbytes" 1) MB on disk); site inventory $(mbps "$(stat -c %s "$site")" 1) MB, lacks 1%" ""
    "| run | command | heap limit | wall s | max RSS MiB | heap peak MiB | heap after GC max MiB | result | load |"
    "|---|---|---|---|---|---|---|---|---|")
  local r heap res lbl
  rm -rf "$scratch" && mkdir -p "$scratch"
  for r in $(seq 1 "$runs") small; do
    heap=1g
    lbl=$(run_label "$r")
    if [ "$r" = small ]; then heap=256m; lbl="warm"; fi
    prepare_run "$r"
    measure "inv-export-$r" "$heap" "$gapsync" inventory export -o "$scratch/export.json" --store "$store"
    res="exit $M_RC"
    [ "$M_RC" = 0 ] && res="$(mbps "$(stat -c %s "$scratch/export.json")" 1) MB written"
    row "$lbl" "inventory export -o FILE" "$heap" "$M_WALL" "$M_RSS" "$M_HEAP_PEAK" "$M_HEAP_LIVE" "$res" "$M_LOAD"
    prepare_run "$r"
    measure "inv-missing-$r" "$heap" bash -c '"$1" inventory missing --against "$2" --json --store "$3" > "$4"' \
      _ "$gapsync" "$site" "$store" "$scratch/missing.json"
    res="exit $M_RC (does not fit)"
    if [ "$M_RC" = 0 ]; then
      res="lacks $(json_number manifestCount "$scratch/missing.json") manifests, $(json_number blobCount "$scratch/missing.json") blobs"
    fi
    row "$lbl" "inventory missing --against FILE --json" "$heap" "$M_WALL" "$M_RSS" "$M_HEAP_PEAK" "$M_HEAP_LIVE" "$res" "$M_LOAD"
  done
  rm -rf "$scratch"
}

json_number() { grep -o "\"$1\" *: *[0-9]*" "$2" | head -1 | grep -o '[0-9]*$'; }

# ------------------------------------------------------------------ 3. JMH

bench_jmh() {
  log "JMH: DigestSetBenchmark, InventoryReadBenchmark (about 4 minutes)"
  java -cp "$perf_cp" org.openjdk.jmh.Main -rf text -rff "$bench/jmh.txt" \
    'io.gapsync.perf.DigestSetBenchmark' 'io.gapsync.perf.InventoryReadBenchmark' >&2
  rows+=("" "### JMH (perf/src/main/java/io/gapsync/perf)" "" '```')
  while IFS= read -r line; do rows+=("$line"); done < "$bench/jmh.txt"
  rows+=('```')
}

# ------------------------------------------------------------------ 4. FEC (JMH)

bench_fec() {
  log "JMH: FecBenchmark (about 6 minutes)"
  java -cp "$perf_cp" org.openjdk.jmh.Main -rf csv -rff "$bench/fec.csv" \
    'io.gapsync.perf.FecBenchmark' >&2
  rows+=("" "### FEC on one core (FecBenchmark; MB/s of data = k x 1408 / us per block)" ""
    "| benchmark | scheme | K:M | erasures | us per block | MB/s of data |" "|---|---|---|---|---|---|")
  # CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit",
  # "Param: erasures","Param: scheme","Param: shape"
  while IFS= read -r line; do rows+=("$line"); done < <(tail -n +2 "$bench/fec.csv" | tr -d '"' |
    awk -F, '{ split($10, km, ":"); b = $1; sub(/.*\./, "", b)
      if (b != "decode" && $8 != "2") next
      printf "| %s | %s | %s | %s | %.0f | %.0f |\n", b, $9, $10, (b == "decode" ? $8 : "-"), $5,
        km[1] * 1408 / $5 }')
}

# ------------------------------------------------------------------ run and summarise

rm -f "$bench/measurements.log"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
wants ingest && bench_ingest
wants inventory && bench_inventory
[ "$jmh" = 1 ] && wants jmh && bench_jmh
[ "$only" = fec ] && bench_fec

{
  echo "# gapsync benchmark results"
  echo
  echo "Run $started by \`perf/run-benchmarks.sh${only:+ --only $only}\` on $(nproc) cores," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(java -version 2>&1 | head -1)."
  echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(the benchmark itself accounts for about 1; more is other work sharing the $(nproc) cores)."
  printf '%s\n' "${rows[@]}"
  echo
  echo "Every measured command, with its exit code, is in $bench/measurements.log."
} > "$results"
echo >&2
cat "$results"
