#!/usr/bin/env bash
# How many bytes cross the gap for realistic updates, and how fast export and import run, against
# the bundles other tools ship, in one run; prints a summary (also perf/target/delta-results.md).
# See perf/README.md ("Delta benchmarks") for what each figure means.
#
#   perf/run-delta-benchmarks.sh [--no-build] [--runs N] [--only SCENARIO|throughput]
#
# Scenarios (site holds PREV, the connected side has NEW); inputs cached under perf/target/bench/:
#   debian-layered  Debian bookworm minbase (debootstrap + umoci), then `apt-get upgrade` from
#                   bookworm-security in a chroot, shipped as a new layer on top (docker build)
#   debian-rebuilt  the same upgrade, the image rebuilt as one new layer (many pipelines)
#   java            Debian base + a layer of the runtime jars of spring-boot-starter-web 4.0.6,
#                   then 4.0.7 (Maven Central): the app layer is rebuilt
#   fleet           five images sharing the Debian base, each with its own jar layer; the new
#                   fleet is rebuilt on the upgraded base and one app moves to Boot 4.0.7
# For each: (a) tar of NEW's OCI layout | zstd -19 -T0 (what Hauler and Zarf ship), (b) the
# images whose tag changed, whole, the same way (Zarf --differential), (c) `gapsync export`'s
# archive against the site's inventory, (d) the layer-level minimum (perf/layout-delta.py).
# throughput: export and import of the fleet's whole content (an empty site) against
# tar -c | zstd -T0 and zstd -d | tar -x + sha256sum, --runs times (default 2: cold, warm).
#
# Needs root (debootstrap, chroot, umoci), deb.debian.org and Maven Central on the first run
# (cached after), and debootstrap, umoci, skopeo, zstd, python3, time. GAPSYNC_BENCH_DIR moves
# the cache (default perf/target/bench).
set -euo pipefail

perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
bench="${GAPSYNC_BENCH_DIR:-$perf/target/bench}"
work="$bench/delta"
results="$perf/target/delta-results.md"
gapsync="$repo/bin/gapsync"
jar="$repo/cli/target/gapsync.jar"
heap=256m

only=""
build=1
runs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "run-delta-benchmarks.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# shellcheck source=perf/bench-lib.sh
. "$perf/bench-lib.sh"

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and umoci unpack keep owners): run it as root"
need_tools time debootstrap umoci skopeo zstd python3
mkdir -p "$work"
if [ "$build" = 1 ] || [ ! -f "$jar" ]; then
  log "Building gapsync.jar (./mvnw -B -q -DskipTests package)"
  (cd "$repo" && ./mvnw -B -q -DskipTests package) >&2
fi
[ -f "$jar" ] || die "$jar was not built"

# ------------------------------------------------------------------ inputs (cached)

# The base: debootstrap's root filesystem with apt's lists and caches removed, as Debian's own
# images ship it.
need_rootfs_v1() {
  need_rootfs
  [ -d "$bench/rootfs-v1" ] && return
  log "rootfs-v1: the debootstrap root filesystem without apt lists and caches"
  rm -rf "$bench/rootfs-v1.partial"
  cp -a "$bench/rootfs" "$bench/rootfs-v1.partial"
  chroot "$bench/rootfs-v1.partial" apt-get clean
  rm -rf "$bench/rootfs-v1.partial/var/lib/apt/lists/"*
  mv "$bench/rootfs-v1.partial" "$bench/rootfs-v1"
}

# The update: rootfs-v1 plus bookworm-security, `apt-get upgrade` in a chroot, cleaned the same way.
# What changed is kept in rootfs-v2.changes.txt. Should the upgrade change nothing, installs
# ca-certificates instead (a typical first line of a Dockerfile) and says so there.
need_rootfs_v2() {
  need_rootfs_v1
  [ -d "$bench/rootfs-v2" ] && return
  local r="$bench/rootfs-v2.partial"
  log "rootfs-v2: apt-get upgrade from bookworm-security in a chroot (needs deb.debian.org)"
  rm -rf "$r"
  cp -a "$bench/rootfs-v1" "$r"
  echo 'deb http://deb.debian.org/debian-security bookworm-security main' > "$r/etc/apt/sources.list.d/security.list"
  chroot "$r" apt-get update -qq >&2
  chroot "$r" apt-get -s upgrade | awk '/^Inst/ { gsub(/[][(]/, ""); print $2, $3, "->", $4 }' > "$bench/rootfs-v2.changes.txt"
  if [ -s "$bench/rootfs-v2.changes.txt" ]; then
    DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get -y -qq upgrade >&2
  else
    echo "bookworm-security had no upgrade for this root filesystem: installed ca-certificates instead" \
      > "$bench/rootfs-v2.changes.txt"
    DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get -y -qq install --no-install-recommends ca-certificates >&2
  fi
  chroot "$r" apt-get clean
  rm -rf "$r/var/lib/apt/lists/"*
  mv "$r" "$bench/rootfs-v2"
}

# need_deps NAME COORDINATE...: $bench/deps/NAME/lib, the runtime jars of the given Maven
# dependencies and everything they pull in (maven-dependency-plugin copy-dependencies).
need_deps() {
  local name="$1" dir="$bench/deps/$1" deps="" c g a v
  shift
  [ -f "$dir/complete" ] && return
  for c in "$@"; do
    IFS=: read -r g a v <<< "$c"
    deps+="<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency>"
  done
  log "Jars of $name: $* (Maven Central)"
  rm -rf "$dir" && mkdir -p "$dir"
  cat > "$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>bench</groupId><artifactId>$name</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>$deps</dependencies></project>
EOF
  (cd "$dir" && "$repo/mvnw" -B -q dependency:copy-dependencies -DoutputDirectory=lib \
    -Dmdep.includeScope=runtime) >&2
  touch "$dir/complete"
}

# image LAYOUT TAG ROOTFS [JARS]: an image of one layer (ROOTFS at /), plus one of JARS at
# /app/lib if given, built with umoci. The same folder always gives the same layer blob.
image() {
  local layout="$1" tag="$2" rootfs="$3" jars="${4:-}"
  [ -d "$layout" ] || umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci insert --image "$layout:$tag" "$rootfs" / >&2
  if [ -n "$jars" ]; then
    umoci insert --image "$layout:$tag" "$jars" /app/lib >&2
  fi
}

# layered LAYOUT TAG FROM ROOTFS: TAG is FROM plus one layer holding what differs between FROM's
# files and ROOTFS (umoci unpack, replace the files, umoci repack: what `RUN apt-get upgrade`
# in a Dockerfile gives), then FROM's tag is dropped.
layered() {
  local layout="$1" tag="$2" from="$3" rootfs="$4" bundle="$work/bundle"
  rm -rf "$bundle"
  umoci unpack --image "$layout:$from" "$bundle" >&2
  rm -rf "$bundle/rootfs"
  cp -a "$rootfs" "$bundle/rootfs"
  umoci repack --image "$layout:$tag" "$bundle" >&2
  umoci rm --image "$layout:$from"
  rm -rf "$bundle"
}

# layouts NAME: builds $work/NAME-prev and $work/NAME-new once (marker NAME.complete); sets REPO.
fleet_apps="netty bc jackson picocli"
layouts() {
  local name="$1" prev="$work/$1-prev" new="$work/$1-new" a
  case "$name" in
    debian-*) REPO=bench/debian ;;
    java) REPO=bench/app ;;
    fleet) REPO=bench/fleet ;;
  esac
  [ -f "$work/$name.complete" ] && return
  need_rootfs_v2
  need_deps boot-4.0.6 org.springframework.boot:spring-boot-starter-web:4.0.6
  need_deps boot-4.0.7 org.springframework.boot:spring-boot-starter-web:4.0.7
  need_deps netty io.netty:netty-all:4.2.18.Final
  need_deps bc org.bouncycastle:bcpkix-jdk18on:1.87 org.bouncycastle:bcpg-jdk18on:1.87
  need_deps jackson com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:2.23.0
  need_deps picocli info.picocli:picocli:4.7.7 org.slf4j:slf4j-simple:2.0.17
  log "Building the OCI layouts of scenario $name"
  rm -rf "$prev" "$new"
  case "$name" in
    debian-layered)
      image "$prev" 12 "$bench/rootfs-v1"
      image "$new" v1 "$bench/rootfs-v1"
      layered "$new" 12 v1 "$bench/rootfs-v2" ;;
    debian-rebuilt)
      image "$prev" 12 "$bench/rootfs-v1"
      image "$new" 12 "$bench/rootfs-v2" ;;
    java)
      image "$prev" stable "$bench/rootfs-v1" "$bench/deps/boot-4.0.6/lib"
      image "$new" stable "$bench/rootfs-v1" "$bench/deps/boot-4.0.7/lib" ;;
    fleet)
      image "$prev" web "$bench/rootfs-v1" "$bench/deps/boot-4.0.6/lib"
      image "$new" web "$bench/rootfs-v2" "$bench/deps/boot-4.0.7/lib"
      for a in $fleet_apps; do
        image "$prev" "$a" "$bench/rootfs-v1" "$bench/deps/$a/lib"
        image "$new" "$a" "$bench/rootfs-v2" "$bench/deps/$a/lib"
      done ;;
    *) die "unknown scenario '$name'" ;;
  esac
  umoci gc --layout "$prev"
  umoci gc --layout "$new"
  touch "$work/$name.complete"
}

blob_bytes() { find "$1/blobs" -type f -printf '%s\n' | awk '{ t += $1 } END { print t + 0 }'; }
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{ t += $1 } END { print t + 0 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }'; }

# gapsync_store STORE LAYOUT...: a fresh store holding the images of each layout in turn, as $REPO.
gapsync_store() {
  local store="$1" l
  shift
  rm -rf "$store"
  for l in "$@"; do
    "$gapsync" add "oci:$l" --as "$REPO" --store "$store" > /dev/null
  done
}

# check_site STORE LAYOUT: every blob and manifest of LAYOUT is in STORE's inventory.
check_site() {
  local inv="$work/check-inventory.json" d
  "$gapsync" inventory export -o "$inv" --store "$1"
  while read -r d; do
    grep -q "\"$d\"" "$inv" || die "after import the site lacks $d of $2"
  done < <(python3 "$perf/layout-delta.py" --blobs "$2")
}

# ------------------------------------------------------------------ sizes per scenario

size_rows=()
bench_sizes() {
  local name="$1" prev="$work/$1-prev" new="$work/$1-new" s="$work/scratch-$1"
  layouts "$name"
  rm -rf "$s" && mkdir -p "$s"
  eval "$(python3 "$perf/layout-delta.py" "$prev" "$new")"
  log "Scenario $name: $CHANGED_COUNT of $TAG_COUNT tags changed; site lacks $MISSING_COUNT blobs and manifests"
  # (a) the whole new layout, as Hauler's `store save` and a full Zarf package ship it.
  local full image archive
  full=$(tar -C "$new" -cf - . | zstd -19 -T0 -q -c | wc -c)
  # (b) every image whose tag changed, whole.
  if [ "$CHANGED_COUNT" = "$TAG_COUNT" ]; then
    image=$full
  else
    local t
    for t in $CHANGED_TAGS; do
      skopeo copy -q "oci:$new:$t" "oci:$s/changed:$t"
    done
    image=$(tar -C "$s/changed" -cf - . | zstd -19 -T0 -q -c | wc -c)
  fi
  # (c) gapsync: the site holds PREV; the connected store holds PREV, then NEW (its export
  # ledger, producer.ledger beside it, starts empty: $s is new).
  gapsync_store "$s/site" "$prev"
  gapsync_store "$s/producer" "$prev" "$new"
  "$gapsync" inventory export -o "$s/site.json" --store "$s/site"
  "$gapsync" key generate --out "$s/producer" > /dev/null
  local tags=() t
  for t in $(python3 -c 'import json,sys; print(" ".join(m["annotations"]["org.opencontainers.image.ref.name"] for m in json.load(open(sys.argv[1]))["manifests"]))' "$new/index.json"); do
    tags+=("$REPO:$t")
  done
  sync
  measure "export-$name" "$heap" "$gapsync" export --against "$s/site.json" --key "$s/producer.key" \
    -o "$s/out" --store "$s/producer" "${tags[@]}"
  [ "$M_RC" = 0 ] || die "gapsync export failed for $name (see $bench/stdout-export-$name.txt)"
  local ex_wall="$M_WALL ($M_CPU)" ex_heap="$M_HEAP_PEAK/$M_HEAP_LIVE" ex_rss=$M_RSS
  archive=$(dir_bytes "$s/out")
  sync
  measure "import-$name" "$heap" "$gapsync" import --trust "$s/producer.pub" --store "$s/site" "$s/out/"*.gsa
  [ "$M_RC" = 0 ] || die "gapsync import failed for $name"
  check_site "$s/site" "$new"
  size_rows+=("| $name | $CHANGED_COUNT/$TAG_COUNT | $MISSING_COUNT ($MISSING_LAYERS layers) | $full | $image | $archive | $MIN_BYTES | $(ratio "$archive" "$MIN_BYTES") ($(pct "$archive" "$MIN_BYTES")) | $(ratio "$full" "$archive") | $(ratio "$image" "$archive") | $ex_wall / $M_WALL ($M_CPU) | $ex_heap / $M_HEAP_PEAK/$M_HEAP_LIVE | $ex_rss / $M_RSS |")
  printf '%s: layers %s, json %s (zstd -19 alone %s), statement min %s, archive %s\n' "$name" \
    "$MISSING_LAYER_BYTES" "$MISSING_JSON_BYTES" "$MISSING_JSON_ZSTD_BYTES" "$STATEMENT_MIN_BYTES" \
    "$archive" >> "$work/minimum-breakdown.txt"
  rm -rf "$s"
}

# ------------------------------------------------------------------ throughput

tp_rows=()
bench_throughput() {
  REPO=bench/fleet
  layouts fleet
  local new="$work/fleet-new" s="$work/scratch-tp" r lbl bytes raw_ex raw_im
  bytes=$(blob_bytes "$new")
  log "Throughput: the whole fleet ($bytes bytes of blobs) to an empty site, $runs runs"
  rm -rf "$s" && mkdir -p "$s"
  gapsync_store "$s/producer" "$new"
  # An empty site: a store (gc creates it) and its inventory; each run imports into a copy of it.
  "$gapsync" gc --store "$s/empty" > /dev/null
  "$gapsync" inventory export -o "$s/empty.json" --store "$s/empty"
  "$gapsync" key generate --out "$s/producer" > /dev/null
  for r in $(seq 1 "$runs"); do
    lbl=$(run_label "$r")
    rm -rf "$s/out" "$s/full.tar.zst" "$s/untar" "$s/site"
    cp -a "$s/empty" "$s/site"
    prepare_run "$r"
    measure "tp-tar-$r" - bash -c 'tar -C "$1" -cf - . | zstd -T0 -q -o "$2"' _ "$new" "$s/full.tar.zst"
    [ "$M_RC" = 0 ] || die "tar | zstd failed"
    raw_ex=$M_WALL
    tp_rows+=("| $lbl | export: tar -c \| zstd -T0 | $M_WALL | $(mbps "$bytes" "$M_WALL") | 1.00 | $M_CPU | $(stat -c %s "$s/full.tar.zst") | $M_RSS | - | $M_LOAD |")
    prepare_run "$r"
    # --no-assume-delivered: every run plans from the empty inventory, whatever the export
    # ledger (next to the store) says earlier runs sent.
    measure "tp-export-$r" "$heap" "$gapsync" export --against "$s/empty.json" --no-assume-delivered \
      --key "$s/producer.key" -o "$s/out" --store "$s/producer"
    [ "$M_RC" = 0 ] || die "gapsync export failed"
    tp_rows+=("| $lbl | export: gapsync export (-Xmx$heap) | $M_WALL | $(mbps "$bytes" "$M_WALL") | $(ratio "$raw_ex" "$M_WALL") | $M_CPU | $(dir_bytes "$s/out") | $M_RSS | $M_HEAP_PEAK/$M_HEAP_LIVE | $M_LOAD |")
    mkdir -p "$s/untar"
    prepare_run "$r"
    measure "tp-untar-$r" - bash -c 'zstd -d -q -c "$1" | tar -x -C "$2" && cd "$2/blobs/sha256" &&
      sha256sum -- * | awk "\$1 != \$2 { bad = 1 } END { exit bad }"' _ "$s/full.tar.zst" "$s/untar"
    [ "$M_RC" = 0 ] || die "zstd -d | tar -x + sha256sum failed"
    raw_im=$M_WALL
    tp_rows+=("| $lbl | import: zstd -d \| tar -x + sha256sum | $M_WALL | $(mbps "$bytes" "$M_WALL") | 1.00 | $M_CPU | - | $M_RSS | - | $M_LOAD |")
    prepare_run "$r"
    measure "tp-import-$r" "$heap" "$gapsync" import --trust "$s/producer.pub" --store "$s/site" "$s/out/"*.gsa
    [ "$M_RC" = 0 ] || die "gapsync import failed"
    tp_rows+=("| $lbl | import: gapsync import (-Xmx$heap) | $M_WALL | $(mbps "$bytes" "$M_WALL") | $(ratio "$raw_im" "$M_WALL") | $M_CPU | - | $M_RSS | $M_HEAP_PEAK/$M_HEAP_LIVE | $M_LOAD |")
    check_site "$s/site" "$new"
  done
  TP_BYTES=$bytes
  rm -rf "$s"
}

# ------------------------------------------------------------------ run and summarise

rm -f "$bench/measurements.log" "$work/minimum-breakdown.txt"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for sc in debian-layered debian-rebuilt java fleet; do
  wants "$sc" && bench_sizes "$sc"
done
wants throughput && bench_throughput

{
  echo "# gapsync delta benchmark results"
  echo
  echo "Run $started by \`perf/run-delta-benchmarks.sh${only:+ --only $only}\` on $(nproc) cores," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "$(java -version 2>&1 | head -1). Load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  if [ -f "$bench/rootfs-v2.changes.txt" ]; then
    echo
    echo "The Debian update (bookworm-security): $(paste -sd',' "$bench/rootfs-v2.changes.txt" | sed 's/,/, /g')"
  fi
  if [ ${#size_rows[@]} -gt 0 ]; then
    echo
    echo "### Bytes that cross the gap (all in bytes)"
    echo
    echo "| scenario | tags changed | site lacks | (a) full: tar \| zstd -19 | (b) changed images whole | (c) gapsync archive | (d) layer-level minimum | (c)/(d) | (a)/(c) | (b)/(c) | export / import: wall s (CPU s) | heap peak/after GC MiB, export / import | RSS MiB export / import |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${size_rows[@]}"
    echo
    echo "The minimum, part by part:"
    echo
    echo '```'
    cat "$work/minimum-breakdown.txt"
    echo '```'
  fi
  if [ ${#tp_rows[@]} -gt 0 ]; then
    echo
    echo "### Export and import of the whole fleet ($(mbps "$TP_BYTES" 1) MB of blobs) to an empty site"
    echo
    echo "| run | what | wall s | MB/s | vs tar+zstd (wall) | CPU s (user+sys) | output bytes | max RSS MiB | heap peak/after GC MiB | load |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${tp_rows[@]}"
  fi
  echo
  echo "Every measured command, with its exit code, is in $bench/measurements.log."
} > "$results"
echo >&2
cat "$results"
