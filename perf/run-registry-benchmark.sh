#!/usr/bin/env bash
# Benchmarks `gapsync serve` against the CNCF distribution registry (`docker-registry`) on the
# same machine, with the same content and the same clients, in one run, and prints a table of
# gapsync/distribution ratios (also written to perf/target/registry-results.md).
#
#   perf/run-registry-benchmark.sh [--no-build] [--layers N] [--layer-mb MB] [--seconds S]
#
# 1. push (after a 1 MiB warm-up push into each, the image's files in the page cache):
#    `skopeo copy oci:LAYOUT docker://127.0.0.1:PORT/bench/img:1` of an image of N layers
#    (default 4) of MB MiB (default 128) of random bytes, into each empty registry.
# 2. blob GET: the largest layer fetched `hey -n 48 -c 4` (4 concurrent clients): MB/s; then the
#    server's CPU (utime+stime of its process, /proc/PID/stat) for 8 concurrent `curl`s of it,
#    which depends much less on the machine's load than the throughput does.
# 3. manifest GET: `wrk -t 2 -c 32 -d S` (default 10 s) on /v2/bench/img/manifests/1 with the
#    OCI manifest Accept header: requests per second (after a 2 s warm-up run).
# Then the peak RSS (VmHWM) of both servers. gapsync runs as `bin/gapsync serve` with
# GAPSYNC_BENCH_HEAP (default -Xmx256m). Both listen on 127.0.0.1 only; both are stopped by pid.
# Needs: skopeo, umoci, docker-registry, hey, wrk, curl (apt-get install -y skopeo umoci
# docker-registry hey wrk curl). GAPSYNC_BENCH_DIR moves the scratch folder (perf/target/registry-bench).
set -euo pipefail

perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
bench="${GAPSYNC_BENCH_DIR:-$perf/target/registry-bench}"
results="$perf/target/registry-results.md"
heap="${GAPSYNC_BENCH_HEAP:--Xmx256m}"
build=1
layers=4
layer_mb=128
seconds=10
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --layers) layers="$2"; shift 2 ;;
    --layer-mb) layer_mb="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run-registry-benchmark.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "run-registry-benchmark.sh: $*" >&2; exit 1; }

for t in skopeo umoci docker-registry hey wrk curl; do
  command -v "$t" >/dev/null 2>&1 || die "$t is missing: apt-get install -y $t"
done
if [ "$build" = 1 ] || [ ! -f "$repo/cli/target/gapsync.jar" ]; then
  log "Building gapsync.jar (./mvnw -B -q -DskipTests -pl cli -am package)"
  (cd "$repo" && ./mvnw -B -q -DskipTests -pl cli -am package) >&2
fi

# ------------------------------------------------------------------ content

mkdir -p "$bench"
layout="$bench/layout-${layers}x${layer_mb}"
if [ ! -f "$layout/index.json" ]; then
  log "Building an image of $layers layers of $layer_mb MiB of random bytes (umoci)"
  rm -rf "$layout" "$bench/content"
  umoci init --layout "$layout"
  umoci new --image "$layout:1"
  for i in $(seq 1 "$layers"); do
    mkdir -p "$bench/content/$i"
    head -c "$((layer_mb * 1024 * 1024))" /dev/urandom > "$bench/content/$i/data.bin"
    umoci insert --image "$layout:1" "$bench/content/$i" "/layer$i"
  done
  rm -rf "$bench/content"
fi
warm="$bench/layout-warm"
if [ ! -f "$warm/index.json" ]; then
  mkdir -p "$bench/warm-content"
  head -c 1048576 /dev/urandom > "$bench/warm-content/warm.bin"
  umoci init --layout "$warm"
  umoci new --image "$warm:1"
  umoci insert --image "$warm:1" "$bench/warm-content" /warm
  rm -rf "$bench/warm-content"
fi

# ------------------------------------------------------------------ servers

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { # URL
  for _ in $(seq 1 300); do
    curl -fso /dev/null "$1" && return 0
    sleep 0.1
  done
  die "nothing answers on $1"
}

rm -rf "$bench/gapsync-store" "$bench/distribution"
gport="$(free_port)"
GAPSYNC_JAVA_OPTS="$heap" "$repo/bin/gapsync" serve --store "$bench/gapsync-store" \
  --listen "127.0.0.1:$gport" > "$bench/gapsync.log" 2>&1 &
gpid=$!
pids+=("$gpid")

dport="$(free_port)"
mkdir -p "$bench/distribution"
cat > "$bench/distribution/config.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $bench/distribution/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$dport}
EOF
docker-registry serve "$bench/distribution/config.yml" > "$bench/distribution.log" 2>&1 &
dpid=$!
pids+=("$dpid")

wait_up "http://127.0.0.1:$gport/v2/"
wait_up "http://127.0.0.1:$dport/v2/"
# The java process (bin/gapsync execs java, so the pid is the JVM's).
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ measuring

now() { date +%s.%N; }
declare -A push_s blob_mbs blob_cpu man_rps rss_mib
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

# Same start for both: the image's files in the page cache, and one small push into each (the
# JVM's first requests run interpreted code; distribution's first ones create its folders).
cat "$layout"/blobs/sha256/* > /dev/null
for port in "$gport" "$dport"; do
  skopeo copy -q --dest-tls-verify=false "oci:$warm:1" "docker://127.0.0.1:$port/bench/warm:1" >&2
done

for side in gapsync distribution; do
  port=$gport; [ "$side" = distribution ] && port=$dport
  log "$side: push ($layers x $layer_mb MiB) with skopeo"
  t0=$(now)
  skopeo copy -q --dest-tls-verify=false "oci:$layout:1" "docker://127.0.0.1:$port/bench/img:1" >&2
  t1=$(now)
  push_s[$side]=$(echo "$t1 - $t0" | bc -l)
done

accept='Accept: application/vnd.oci.image.manifest.v1+json'
manifest_path=/v2/bench/img/manifests/1
manifest="$(curl -fs -H "$accept" "http://127.0.0.1:$gport$manifest_path")"
read -r big_digest big_size < <(python3 -c '
import json,sys
m=json.loads(sys.argv[1]); l=max(m["layers"], key=lambda d: d["size"]); print(l["digest"], l["size"])' "$manifest")
gdigest="$(curl -fsS -H "$accept" "http://127.0.0.1:$gport$manifest_path" | sha256sum | cut -d' ' -f1)"
ddigest="$(curl -fsS -H "$accept" "http://127.0.0.1:$dport$manifest_path" | sha256sum | cut -d' ' -f1)"
[ "$gdigest" = "$ddigest" ] || die "the registries serve different manifests: gapsync $gdigest, distribution $ddigest"

for side in gapsync distribution; do
  port=$gport; [ "$side" = distribution ] && port=$dport
  url="http://127.0.0.1:$port/v2/bench/img/blobs/$big_digest"
  log "$side: blob GET of $big_size bytes, hey -n 48 -c 4"
  curl -fso /dev/null "$url" # warm the page cache and the JIT equally
  out="$(hey -n 48 -c 4 "$url")"
  rps="$(awk '/Requests\/sec:/ {print $2}' <<<"$out")"
  codes="$(awk '/\[200\]/ {print $2}' <<<"$out")"
  [ "$codes" = 48 ] || die "$side answered $codes of 48 blob GETs with 200:\n$out"
  blob_mbs[$side]=$(echo "$rps * $big_size / 1048576" | bc -l)

  log "$side: server CPU for 8 concurrent curl GETs of the same blob"
  spid=$gpid; [ "$side" = distribution ] && spid=$dpid
  c0="$(cpu_s "$spid")"
  cpids=()
  for _ in 1 2 3 4 5 6 7 8; do curl -fso /dev/null "$url" & cpids+=($!); done
  for p in "${cpids[@]}"; do wait "$p" || die "$side: a curl GET of the blob failed"; done
  c1="$(cpu_s "$spid")"
  blob_cpu[$side]=$(echo "$c1 - $c0" | bc -l)

  log "$side: manifest GET, wrk -t 2 -c 32 -d ${seconds}s"
  wrk -t 2 -c 32 -d 2s -H "$accept" "http://127.0.0.1:$port$manifest_path" > /dev/null # warm-up
  out="$(wrk -t 2 -c 32 -d "${seconds}s" -H "$accept" "http://127.0.0.1:$port$manifest_path")"
  ! grep -q 'Non-2xx' <<<"$out" || die "$side answered errors to manifest GETs:\n$out"
  man_rps[$side]="$(awk '/Requests\/sec:/ {print $2}' <<<"$out")"
done

rss_mib[gapsync]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$gpid/status")
rss_mib[distribution]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$dpid/status")
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ report

ratio() { echo "scale=2; $1 / $2" | bc -l; }
{
  echo "# Registry benchmark: gapsync serve vs distribution $(docker-registry --version 2>/dev/null | awk '{print $3}')"
  echo
  echo "$(date -u +%FT%TZ), $(nproc) cores, load average before $load_before, after $load_after;"
  echo "image: $layers layers x $layer_mb MiB random; gapsync heap $heap."
  echo
  echo "| measure | gapsync | distribution | gapsync/distribution |"
  echo "|---|---|---|---|"
  printf '| push, skopeo copy (s, lower is better) | %.1f | %.1f | %s |\n' \
    "${push_s[gapsync]}" "${push_s[distribution]}" "$(ratio "${push_s[gapsync]}" "${push_s[distribution]}")"
  printf '| blob GET, hey -c 4 (MiB/s) | %.0f | %.0f | %s |\n' \
    "${blob_mbs[gapsync]}" "${blob_mbs[distribution]}" "$(ratio "${blob_mbs[gapsync]}" "${blob_mbs[distribution]}")"
  printf '| server CPU for 8 concurrent blob GETs, curl (s, lower is better) | %.2f | %.2f | %s |\n' \
    "${blob_cpu[gapsync]}" "${blob_cpu[distribution]}" "$(ratio "${blob_cpu[gapsync]}" "${blob_cpu[distribution]}")"
  printf '| manifest GET, wrk -c 32 (req/s) | %.0f | %.0f | %s |\n' \
    "${man_rps[gapsync]}" "${man_rps[distribution]}" "$(ratio "${man_rps[gapsync]}" "${man_rps[distribution]}")"
  printf '| peak RSS, VmHWM (MiB) | %s | %s | %s |\n' \
    "${rss_mib[gapsync]}" "${rss_mib[distribution]}" "$(ratio "${rss_mib[gapsync]}" "${rss_mib[distribution]}")"
} | tee "$results"
