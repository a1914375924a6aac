#!/usr/bin/env bash
# Mirrors a multi-image set from a local distribution registry (Debian's docker-registry on
# 127.0.0.1) with `gapsync sync -f` and with `skopeo sync --src docker --dest dir`, side by side in
# one run: a first (cold) run into an empty destination, then a second run with nothing changed.
# Reports wall time, the bytes the registry sent (summed from its access log,
# http.response.written) and the bytes stored.
#
#   perf/sync-benchmark.sh [--no-build] [--repos N] [--tags N] [--base-mb N] [--own-mb N]
#
# The set: N repositories (default 4) x N tags (default 3); every image has one shared base layer
# (--base-mb, default 32 MiB of random data) and one layer of its own (--own-mb, default 8 MiB),
# built with umoci and pushed with skopeo. Needs docker-registry, skopeo, umoci (apt-get install).
# Scratch in perf/target/sync-bench (GAPSYNC_BENCH_DIR overrides); the registry is stopped by its
# pid on exit. Results: printed, and written to perf/target/sync-results.md.
set -euo pipefail

perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
work="${GAPSYNC_BENCH_DIR:-$perf/target/sync-bench}"
results="$perf/target/sync-results.md"
build=1
repos=4
tags=3
base_mb=32
own_mb=8
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --repos) repos="$2"; shift 2 ;;
    --tags) tags="$2"; shift 2 ;;
    --base-mb) base_mb="$2"; shift 2 ;;
    --own-mb) own_mb="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "sync-benchmark.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for tool in docker-registry skopeo umoci; do
  command -v "$tool" >/dev/null || { echo "sync-benchmark.sh: $tool is not installed (apt-get install -y $tool)" >&2; exit 2; }
done
if [ "$build" = 1 ] || [ ! -f "$repo/cli/target/gapsync.jar" ]; then
  (cd "$repo" && ./mvnw -B -q -o -DskipTests -pl cli -am package)
fi

rm -rf "$work"
mkdir -p "$work"
regpid=""
cleanup() { if [ -n "$regpid" ]; then kill "$regpid" 2>/dev/null || true; wait "$regpid" 2>/dev/null || true; fi; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$work/registry.yml" <<YML
version: 0.1
log: {level: info, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry-data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
regpid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
host="127.0.0.1:$port"

echo "Building $((repos * tags)) images ($base_mb MiB shared + $own_mb MiB own each) ..."
L="$work/layout"
mkdir -p "$work/base/base"
head -c "$((base_mb * 1024 * 1024))" /dev/urandom > "$work/base/base/data.bin"
umoci init --layout "$L"
umoci new --image "$L:base"
umoci insert --rootless --image "$L:base" "$work/base" / >/dev/null
for r in $(seq "$repos"); do
  for t in $(seq "$tags"); do
    name="app$r-$t"
    mkdir -p "$work/own-$name/own"
    head -c "$((own_mb * 1024 * 1024))" /dev/urandom > "$work/own-$name/own/data.bin"
    umoci tag --image "$L:base" "$name"
    umoci insert --rootless --image "$L:$name" "$work/own-$name" / >/dev/null
    skopeo copy -q --dest-tls-verify=false "oci:$L:$name" "docker://$host/bench/app$r:1.$t.0"
  done
done

cat > "$work/syncset.yaml" <<YML
apiVersion: gapsync.io/v1alpha1
kind: SyncSet
metadata: {name: bench}
spec:
  images:
YML
for r in $(seq "$repos"); do
  printf '    - ref: docker://%s/bench/app%s\n      tags: {regex: ".*"}\n' "$host" "$r" >> "$work/syncset.yaml"
done

served() { grep -o 'http.response.written=[0-9]*' "$work/registry.log" | awk -F= '{s+=$2} END {print s+0}'; }
now() { date +%s.%N; }
declare -A secs bytes
declare -A rc
run() { # NAME CMD...: times CMD and counts the bytes the registry served meanwhile
  local name="$1"; shift
  local b0 t0 t1
  b0="$(served)"; t0="$(now)"
  rc[$name]=0
  "$@" > "$work/out-$name.txt" 2>&1 || rc[$name]=$?
  t1="$(now)"
  sleep 0.2
  secs[$name]="$(echo "$t1 - $t0" | bc)"
  bytes[$name]="$(( $(served) - b0 ))"
}
skopeo_sync() {
  for r in $(seq "$repos"); do
    skopeo sync --scoped --src docker --dest dir --src-tls-verify=false "$host/bench/app$r" "$work/skopeo-dir"
  done
}
gapsync_sync() { "$repo/bin/gapsync" sync -f "$work/syncset.yaml" --insecure --store "$work/gapsync-store"; }

run skopeo-first skopeo_sync
run skopeo-second skopeo_sync
# skopeo 1.9's dir destination refuses to overwrite an image folder on a re-run ("Refusing to
# overwrite destination directory"): a skopeo user then removes the folder and syncs everything
# again, which is measured as the second run; the refusal is reported.
skopeo_note=""
if [ "${rc[skopeo-second]}" != 0 ]; then
  skopeo_note="skopeo's plain re-run exited ${rc[skopeo-second]}: $(grep -q 'Refusing to overwrite' "$work/out-skopeo-second.txt" && echo '"Refusing to overwrite destination directory"' || tail -n 1 "$work/out-skopeo-second.txt"); its second-run figures are for a re-run after removing the destination folder."
  rm -rf "$work/skopeo-dir"
  run skopeo-second skopeo_sync
fi
[ "${rc[skopeo-first]}" = 0 ] && [ "${rc[skopeo-second]}" = 0 ] \
  || { echo "skopeo sync failed:" >&2; tail -n 5 "$work"/out-skopeo-*.txt >&2; exit 1; }
run gapsync-first gapsync_sync
run gapsync-second gapsync_sync
[ "${rc[gapsync-first]}" = 0 ] && [ "${rc[gapsync-second]}" = 0 ] \
  || { echo "gapsync sync failed:" >&2; cat "$work"/out-gapsync-*.txt >&2; exit 1; }
grep -q "0 tags changed; 0 new blobs" "$work/out-gapsync-second.txt" \
  || { echo "gapsync's second run changed something:" >&2; cat "$work/out-gapsync-second.txt" >&2; exit 1; }

stored_skopeo="$(du -sb "$work/skopeo-dir" | cut -f1)"
stored_gapsync="$(du -sb "$work/gapsync-store" | cut -f1)"
ratio() { echo "scale=2; $1 / $2" | bc; }
{
  echo "## Sync from a local registry: $repos repositories x $tags tags, ${base_mb} MiB shared + ${own_mb} MiB own layer each"
  echo
  echo "Command: perf/sync-benchmark.sh --repos $repos --tags $tags --base-mb $base_mb --own-mb $own_mb ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  echo
  echo "| run | skopeo sync --dest dir | gapsync sync | gapsync / skopeo |"
  echo "|---|---|---|---|"
  echo "| first: wall time (s) | ${secs[skopeo-first]} | ${secs[gapsync-first]} | $(ratio "${secs[gapsync-first]}" "${secs[skopeo-first]}") |"
  echo "| first: bytes served by the registry | ${bytes[skopeo-first]} | ${bytes[gapsync-first]} | $(ratio "${bytes[gapsync-first]}" "${bytes[skopeo-first]}") |"
  echo "| second (no change): wall time (s) | ${secs[skopeo-second]} | ${secs[gapsync-second]} | $(ratio "${secs[gapsync-second]}" "${secs[skopeo-second]}") |"
  echo "| second (no change): bytes served | ${bytes[skopeo-second]} | ${bytes[gapsync-second]} | $( [ "${bytes[skopeo-second]}" -gt 0 ] && ratio "${bytes[gapsync-second]}" "${bytes[skopeo-second]}" || echo -) |"
  echo "| bytes stored | $stored_skopeo | $stored_gapsync | $(ratio "$stored_gapsync" "$stored_skopeo") |"
  echo
  [ -n "$skopeo_note" ] && echo "$skopeo_note" && echo
  echo "gapsync's times include the JVM start. skopeo's dir destination is one folder per image (shared layers stored once per image); gapsync's store holds each blob once."
} | tee "$results"
