#!/usr/bin/env bash
# Diode transport benchmark: gapsync diode send/receive side by side with udpcast's one-way mode,
# in the same two network namespaces (veth pair, tbf 1gbit on the sender's side, iptables random
# drops on the receiver's INPUT), with the same file, in one run. Prints one row per tool and loss
# rate: goodput (file bits / sender wall time), CPU seconds per GB of file (sender + receiver,
# user + system, from /usr/bin/time), FEC overhead, and whether the file arrived bit-exact.
#
#   perf/diode-vs-udpcast.sh [SIZE_MB (default 200)] [RATE (default 950M)]
#
# Needs root, iproute2, iptables, ethtool, udpcast, /usr/bin/time and cli/target/gapsync.jar
# (./mvnw -B -DskipTests package). Namespaces are unique per run and deleted on exit.
# Results also go to perf/target/diode-results.md.
set -euo pipefail
perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
gapsync="$repo/bin/gapsync"
size_mb="${1:-200}"
rate="${2:-950M}"
rate_bits="$(numfmt --from=si "$rate")"
fec_gapsync="${DIODE_BENCH_FEC:-226:27}"
run="gsb$$"
A="${run}a"
B="${run}b"
work="$(mktemp -d /tmp/gapsync-diode-bench.XXXXXX)"
mkdir -p "$perf/target"
results="$perf/target/diode-results.md"

cleanup() {
  mkdir -p "$perf/target/diode-logs"
  cp "$work"/*.log "$perf/target/diode-logs/" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

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
ip netns exec "$A" ethtool -K "${run}x" tso off gso off gro off >/dev/null
ip netns exec "$B" ethtool -K "${run}y" tso off gso off gro off >/dev/null
ip netns exec "$A" tc qdisc add dev "${run}x" root tbf rate 1gbit burst 1mbit latency 50ms
ip -n "$A" route add 224.0.0.0/4 dev "${run}x"
ip -n "$B" route add 224.0.0.0/4 dev "${run}y"
mac="$(ip netns exec "$B" cat "/sys/class/net/${run}y/address")"
ip -n "$A" neigh replace 10.231.9.2 lladdr "$mac" dev "${run}x" nud permanent

export GAPSYNC_JAVA_OPTS="${GAPSYNC_JAVA_OPTS:--Xmx512m}"
"$gapsync" key generate --out "$work/producer" >/dev/null
head -c "$((size_mb * 1024 * 1024))" /dev/urandom >"$work/bench.gsa"
want="$(sha256sum "$work/bench.gsa" | cut -d' ' -f1)"
bytes="$(stat -c %s "$work/bench.gsa")"

loss() {
  ip netns exec "$B" iptables -F INPUT
  if [ "$1" != "0" ]; then
    ip netns exec "$B" iptables -A INPUT -i "${run}y" -p udp -m statistic --mode random \
      --probability "$1" -j DROP
  fi
}
cpu() { tail -1 "$1" | awk '{print $1 + $2}'; }
row() { # TOOL LOSS SENDER_TIME_FILE RECEIVER_TIME_FILE EXACT OVERHEAD
  local wall s r
  wall="$(tail -1 "$3" | awk '{print $3}')"
  s="$(cpu "$3")"
  r="$(cpu "$4")"
  printf '| %s | %s | %.0f | %.1f | %.1f | %s | %s |\n' "$1" "$2" \
    "$(echo "$bytes * 8 / $wall / 1000000" | bc -l)" \
    "$(echo "$s / ($bytes / 1000000000)" | bc -l)" \
    "$(echo "$r / ($bytes / 1000000000)" | bc -l)" "$6" "$5" | tee -a "$results"
}

{
  echo "# Diode benchmark $(date -u +%FT%TZ), ${size_mb} MiB file, rate $rate, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| tool | loss | goodput Mbit/s | sender CPU s/GB | receiver CPU s/GB | FEC overhead | bit-exact |"
  echo "|---|---|---|---|---|---|---|"
} | tee "$results"

for p in 0 0.01 0.05; do
  loss "$p"
  # gapsync
  spool="$work/spool-$p"
  ip netns exec "$B" /usr/bin/time -f '%U %S %e' -o "$work/gr.time" "$gapsync" diode receive \
    --listen 10.231.9.2:7700 --spool "$spool" --trust "$work/producer.pub" \
    --exit-when-idle PT3S >"$work/gr-$p.log" 2>&1 &
  rpid=$!
  sleep 2
  ip netns exec "$A" /usr/bin/time -f '%U %S %e' -o "$work/gs.time" "$gapsync" diode send \
    --to 10.231.9.2:7700 --key "$work/producer.key" --rate "$rate" --fec "$fec_gapsync" \
    "$work/bench.gsa" >"$work/gs-$p.log" 2>&1
  wait "$rpid" || true
  exact=no
  [ -f "$spool/bench.gsa" ] && [ "$(sha256sum "$spool/bench.gsa" | cut -d' ' -f1)" = "$want" ] \
    && exact=yes
  k="${fec_gapsync%%:*}"
  m="${fec_gapsync##*:}"
  row "gapsync diode --fec $fec_gapsync" "$p" "$work/gs.time" "$work/gr.time" "$exact" \
    "$(echo "scale=1; 100 * $m / $k" | bc) %"
  grep -o 'loss=.*' "$work/gr-$p.log" | sed 's/^/  gapsync receiver: /' || true

  # udpcast, one way: async mode, FEC 8x8 (8 parity per stripe of 128: 6.25 %)
  rm -f "$work/udpcast.out"
  ip netns exec "$B" /usr/bin/time -f '%U %S %e' -o "$work/ur.time" udp-receiver \
    --interface "${run}y" --nokbd --file "$work/udpcast.out" --receive-timeout 5 \
    >"$work/ur-$p.log" 2>&1 &
  rpid=$!
  sleep 1
  ip netns exec "$A" /usr/bin/time -f '%U %S %e' -o "$work/us.time" udp-sender \
    --interface "${run}x" --nokbd --async --fec 8x8 --max-bitrate "${rate_bits}" --autostart 3 \
    --rexmit-hello-interval 200 --file "$work/bench.gsa" >"$work/us-$p.log" 2>&1 || true
  wait "$rpid" || true
  exact=no
  [ -f "$work/udpcast.out" ] && [ "$(sha256sum "$work/udpcast.out" | cut -d' ' -f1)" = "$want" ] \
    && exact=yes
  row "udpcast --async --fec 8x8" "$p" "$work/us.time" "$work/ur.time" "$exact" "6.25 %"
done
echo "Written to $results"
