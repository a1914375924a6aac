#!/usr/bin/env bash
# Diode transport benchmark: gapsync diode send/receive side by side with udpcast's one-way mode,
# in the same two network namespaces (veth pair, tbf 2gbit on the sender's side, iptables random
# drops on the receiver's INPUT and every packet the receiver's side sends dropped: truly one-way),
# with the same files, in one run. Prints one row per tool and loss rate: goodput (file bits /
# sender process wall time), delivered goodput (file bits / time from the sender's start until the
# file is in place at the receiver: gapsync's published in the spool after its digest check,
# udpcast's receiver exited with the file), CPU seconds per GB of file on each side (user +
# system), FEC overhead, and whether the file arrived bit-exact.
#
# gapsync's files come with their checksum file NAME.sha256, as `gapsync export` writes it (made
# here with sha256sum before the row starts), so the sender takes the digest from it instead of
# reading the file first; the receiver still checks every byte against it. One more row at 1 %
# loss sends a file without one: the sender reads it all for its sha256 before the first datagram.
#
# Both senders run under `nice -n 10`: sender and receiver share the same 2 cores here (on a real
# diode they are two machines), and a receiver starved by its own sender's JIT and encoding falls
# behind, which, with no feedback, is loss (seen: ring overflows on a cold first transfer).
#
# gapsync's receiver runs as it does in production (`serve --diode-listen`, a daemon): one process
# for all rows, warmed up by two unmeasured 200 MiB transfers at 1 % loss (so the repair path is
# compiled too; with one, the first row still paid for the JIT); its CPU per row is read from
# /proc.
# Each gapsync sender is a fresh `diode send` process: its wall time and CPU include JVM start-up
# and JIT. Each row sends its own random file (a receiver ignores an object
# it has already published); udpcast gets the same file.
#
#   perf/diode-vs-udpcast.sh [SIZE_MB (default 1000)] [RATE (default 2000M)]
#
# Environment: DIODE_BENCH_FEC_0 / _1 / _5 (gapsync's K:M at 0, 1 and 5 % loss, defaults 240:12,
# 240:12, 228:26, each with the default outer block per 224 blocks; DIODE_BENCH_FEC sets all
# three), DIODE_BENCH_OUTER (gapsync's --outer, default auto), DIODE_BENCH_RATE_5 (both tools'
# rate in the 5 % row, default 1200M: at 5 % loss every block needs about 11 symbols decoded, and
# on one shared 2-core machine the receiver's repair thread keeps up with about that much while the
# sender takes the other core; unpaced, its backlog filled the block buffers and the ring
# overflowed), DIODE_BENCH_LINK (tbf rate, default 2gbit, the issue's set-up).
#
# Needs root, iproute2, iptables, ethtool, udpcast, /usr/bin/time and cli/target/gapsync.jar
# (./mvnw -B -DskipTests package). Namespaces are unique per run and deleted on exit.
# Results also go to perf/target/diode-results.md.
set -euo pipefail
perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
gapsync="$repo/bin/gapsync"
size_mb="${1:-1000}"
rate="${2:-2000M}"
# FEC per loss rate (K:M), chosen by perf/diode-fec-odds.py (perf/README.md, "Diode"): at 1 %
# loss 240:12 with an outer block per 224 blocks (5.5 %): a block is short with probability
# 2e-6 and any short block comes back from its outer group; at 5 % loss 228:26 with the same
# outer blocks (11.9 %, under the issue's 12 %): blocks are short with probability 2e-4, and no
# simulated group with up to 6 short blocks failed.
fec_for() {
  case "$1" in
    0) echo "${DIODE_BENCH_FEC_0:-${DIODE_BENCH_FEC:-240:12}}" ;;
    0.01) echo "${DIODE_BENCH_FEC_1:-${DIODE_BENCH_FEC:-240:12}}" ;;
    *) echo "${DIODE_BENCH_FEC_5:-${DIODE_BENCH_FEC:-228:26}}" ;;
  esac
}
outer="${DIODE_BENCH_OUTER:-auto}"
# The veth's tbf rate: 2gbit is the issue's set-up (room above the 1 Gbit/s goodput target);
# DIODE_BENCH_LINK=1gbit models a gigabit diode (goodput then at most about 0.94 x rate x k / (k +
# m)).
link="${DIODE_BENCH_LINK:-2gbit}"
run="gsb$$"
A="${run}a"
B="${run}b"
work="$(mktemp -d /tmp/gapsync-diode-bench.XXXXXX)"
mkdir -p "$perf/target"
results="$perf/target/diode-results.md"

# The receiver asks for a 128 MiB socket buffer (docs/OPERATIONS.md, "Link set-up"); the kernel
# caps it at net.core.rmem_max, so raise that for the run (set DIODE_BENCH_RMEM=keep to leave it)
# and put the old value back on exit.
rmem_old="$(sysctl -n net.core.rmem_max)"
rpid=""
cleanup() {
  if [ -n "$rpid" ]; then
    kill "$rpid" 2>/dev/null || true
    wait "$rpid" 2>/dev/null || true
  fi
  if [ "${DIODE_BENCH_RMEM:-}" != keep ]; then
    sysctl -q -w net.core.rmem_max="$rmem_old" || true
  fi
  mkdir -p "$perf/target/diode-logs"
  cp "$work"/*.log "$perf/target/diode-logs/" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ "${DIODE_BENCH_RMEM:-}" != keep ]; then
  sysctl -q -w net.core.rmem_max=$((128 << 20))
fi

ip netns add "$A"
ip netns add "$B"
ip link add "${run}x" type veth peer name "${run}y"
ip link set "${run}x" netns "$A"
ip link set "${run}y" netns "$B"
ip -n "$A" addr add 10.231.9.1/24 brd + dev "${run}x"
ip -n "$B" addr add 10.231.9.2/24 brd + dev "${run}y"
for ns in "$A" "$B"; do
  ip -n "$ns" link set lo up
done
ip -n "$A" link set "${run}x" up
ip -n "$B" link set "${run}y" up
ip netns exec "$A" ethtool -K "${run}x" tso off gso off gro off tx-udp-segmentation off >/dev/null
ip netns exec "$B" ethtool -K "${run}y" tso off gso off gro off tx-udp-segmentation off >/dev/null
ip netns exec "$A" tc qdisc add dev "${run}x" root tbf rate "$link" burst 1mbit latency 50ms
ip -n "$A" route add 224.0.0.0/4 dev "${run}x"
ip -n "$B" route add 224.0.0.0/4 dev "${run}y"
mac="$(ip netns exec "$B" cat "/sys/class/net/${run}y/address")"
ip -n "$A" neigh replace 10.231.9.2 lladdr "$mac" dev "${run}x" nud permanent

export GAPSYNC_JAVA_OPTS="${GAPSYNC_JAVA_OPTS:--Xmx512m}"
"$gapsync" key generate --out "$work/producer" >/dev/null
bytes=$((size_mb * 1024 * 1024))
# Truly one-way: whatever the receiver's side sends is dropped.
ip netns exec "$B" iptables -A OUTPUT -j DROP

# A process's CPU seconds so far (user + system) from /proc.
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
# Waits until the gapsync receiver has published NAME or reported it beyond repair (at most 120 s).
await_gapsync() {
  for _ in $(seq 1 6000); do
    [ -f "$work/spool/$1" ] || [ -f "$work/spool/diode-reports/$1.report.txt" ] && return 0
    sleep 0.02
  done
}
loss() {
  ip netns exec "$B" iptables -F INPUT
  if [ "$1" != "0" ]; then
    ip netns exec "$B" iptables -A INPUT -i "${run}y" -p udp -m statistic --mode random \
      --probability "$1" -j DROP
  fi
}
cpu() { tail -1 "$1" | awk '{print $1 + $2}'; }
row() { # TOOL LOSS SENDER_TIME_FILE RECEIVER_CPU_SECONDS EXACT OVERHEAD DELIVERED_SECONDS
  local wall s r
  wall="$(tail -1 "$3" | awk '{print $3}')"
  s="$(cpu "$3")"
  r="$4"
  local delivered=-
  # Only a file that arrived whole was delivered (udpcast's receiver quits early when it fails).
  [ "$5" = yes ] && delivered="$(printf '%.0f' "$(echo "$bytes * 8 / $7 / 1000000" | bc -l)")"
  printf '| %s | %s | %.0f | %s | %.1f | %.1f | %s | %s |\n' "$1" "$2" \
    "$(echo "$bytes * 8 / $wall / 1000000" | bc -l)" "$delivered" \
    "$(echo "$s / ($bytes / 1000000000)" | bc -l)" \
    "$(echo "$r / ($bytes / 1000000000)" | bc -l)" "$6" "$5" | tee -a "$results"
}

{
  echo "# Diode benchmark $(date -u +%FT%TZ), ${size_mb} MiB file, rate $rate, link $link, rmem_max $(sysctl -n net.core.rmem_max), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| tool | loss | goodput Mbit/s (sender wall) | delivered Mbit/s (sender start to file in place) | sender CPU s/GB | receiver CPU s/GB | FEC overhead | bit-exact |"
  echo "|---|---|---|---|---|---|---|---|"
} | tee "$results"

# gapsync's receiver: one daemon-like process for every row, warmed up first.
loss 0.01
ip netns exec "$B" "$gapsync" diode receive --listen 10.231.9.2:7700 --spool "$work/spool" \
  --trust "$work/producer.pub" >"$work/gr.log" 2>&1 &
rpid=$!
sleep 2
for w in 1 2; do
  head -c $((200 << 20)) /dev/urandom >"$work/warm-up-$w.gsa"
  sync
  ip netns exec "$A" nice -n 10 "$gapsync" diode send --to 10.231.9.2:7700 \
    --key "$work/producer.key" --rate "$rate" "$work/warm-up-$w.gsa" >"$work/gs-warm-up.log" 2>&1
  await_gapsync "warm-up-$w.gsa"
  rm -f "$work/warm-up-$w.gsa" "$work/spool/warm-up-$w.gsa"
done

now() { date +%s.%N; }
# gapsync's row: LOSS FILE WANT SUM (SUM=yes: the file has its NAME.sha256, as export writes it).
gapsync_row() {
  local p="$1" file="$2" want="$3" sum="$4" name start end before rcpu exact overhead label
  name="$(basename "$file")"
  rm -f "$file.sha256"
  if [ "$sum" = yes ]; then
    (cd "$(dirname "$file")" && sha256sum "$name" >"$name.sha256")
  fi
  sync
  before="$(cpu_of "$rpid")"
  start="$(now)"
  ip netns exec "$A" nice -n 10 /usr/bin/time -f '%U %S %e' -o "$work/gs.time" "$gapsync" diode send \
    --to 10.231.9.2:7700 --key "$work/producer.key" --rate "$rate_row" --fec "$fec_gapsync" \
    --outer "$outer" "$file" >"$work/gs-$p-$sum.log" 2>&1
  await_gapsync "$name"
  end="$(now)"
  rcpu="$(echo "$(cpu_of "$rpid") - $before" | bc -l)"
  exact=no
  [ -f "$work/spool/$name" ] \
    && [ "$(sha256sum "$work/spool/$name" | cut -d' ' -f1)" = "$want" ] && exact=yes
  # The sender's last line says the overhead, outer blocks included: "(5.5 % overhead)".
  overhead="$(sed -n 's/.*(\([0-9.]* %\) overhead).*/\1/p' "$work/gs-$p-$sum.log")"
  label="gapsync diode --fec $fec_gapsync --outer $outer --rate $rate_row"
  [ "$sum" = yes ] || label="$label, no checksum file (hashes first)"
  row "$label" "$p" "$work/gs.time" "$rcpu" "$exact" "${overhead:-?}" "$(echo "$end - $start" | bc -l)"
  sed -n 's/.*\(goodput [0-9]* Mbit\/s\).*/  gapsync sender after JVM start: \1/p' \
    "$work/gs-$p-$sum.log" || true
  rm -f "$work/spool/$name" "$file.sha256"
  sync
}

for p in 0 0.01 0.05; do
  loss "$p"
  fec_gapsync="$(fec_for "$p")"
  rate_row="$rate"
  [ "$p" = 0.05 ] && rate_row="${DIODE_BENCH_RATE_5:-1200M}"
  rate_row_bits="$(numfmt --from=si "$rate_row")"
  file="$work/bench-$p.gsa"
  head -c "$bytes" /dev/urandom >"$file"
  want="$(sha256sum "$file" | cut -d' ' -f1)"
  # Written back before the row starts: a gigabyte of dirty pages left from making the file (or
  # from the row before) throttles the receivers' writes mid-transfer (both tools write the file
  # as it comes; a receiver blocked on its disk drops datagrams, there is no feedback).
  sync
  gapsync_row "$p" "$file" "$want" yes
  if [ "$p" = 0.01 ]; then
    # The same without the checksum file: the sender reads the whole file for its sha256 before
    # the first datagram (a file not written by export). A fresh file: the receiver ignores an
    # object it has published.
    file2="$work/bench-$p-nosum.gsa"
    head -c "$bytes" /dev/urandom >"$file2"
    gapsync_row "$p" "$file2" "$(sha256sum "$file2" | cut -d' ' -f1)" no
    rm -f "$file2"
  fi

  # udpcast, one way: async mode, FEC 8x8 (8 parity per stripe of 128: 6.25 %)
  rm -f "$work/udpcast.out"
  ip netns exec "$B" /usr/bin/time -f '%U %S %e' -o "$work/ur.time" udp-receiver \
    --interface "${run}y" --nokbd --rcvbuf $((128 << 20)) --file "$work/udpcast.out" --receive-timeout 5 \
    >"$work/ur-$p.log" 2>&1 &
  upid=$!
  sleep 1
  start="$(now)"
  ip netns exec "$A" nice -n 10 /usr/bin/time -f '%U %S %e' -o "$work/us.time" udp-sender \
    --interface "${run}x" --nokbd --async --fec 8x8 --max-bitrate "${rate_row_bits}" --autostart 3 \
    --rexmit-hello-interval 200 --file "$file" >"$work/us-$p.log" 2>&1 || true
  wait "$upid" || true
  end="$(now)"
  exact=no
  [ -f "$work/udpcast.out" ] && [ "$(sha256sum "$work/udpcast.out" | cut -d' ' -f1)" = "$want" ] \
    && exact=yes
  # The receiver's own end: udp-receiver exits once it has the file (its wall time from /usr/bin/time,
  # measured from one second before the sender started).
  row "udpcast --async --fec 8x8" "$p" "$work/us.time" "$(cpu "$work/ur.time")" "$exact" "6.25 %" \
    "$(echo "$(tail -1 "$work/ur.time" | awk '{print $3}') - 1" | bc -l)"
  rm -f "$file" "$work/udpcast.out"
done
kill "$rpid"
wait "$rpid" 2>/dev/null || true
rpid=""
grep -o 'loss=.*' "$work/gr.log" | sed 's/^/gapsync receiver, all rows: /' | tee -a "$results" || true
echo "Written to $results"
