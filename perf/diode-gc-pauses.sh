#!/usr/bin/env bash
# GC pauses on the diode receiver (issue 5: "the receive path must not drop packets during GC
# pauses (measure it)"). A `diode receive` on 127.0.0.1 takes a file from `diode send` while
# `jcmd PID GC.run` forces a full, stop-the-world collection of its heap every INTERVAL seconds;
# the receive thread stops with every other thread, so the kernel's socket buffer (128 MiB here,
# docs/OPERATIONS.md "Link set-up") must hold what arrives meanwhile. Prints the pauses from the
# receiver's GC log (count, longest, total) and the receiver's own count of datagrams lost (from
# the packet sequence: a datagram the kernel dropped for a full buffer counts) and ring overflows,
# and whether the file arrived bit-exact. No loss is injected: every loss here is a drop.
#
#   perf/diode-gc-pauses.sh [SIZE_MB (default 1000)] [RATE (default 1000M)] [INTERVAL (default 1)]
#
# DIODE_STOP_MS=N also stops the whole receiver process (SIGSTOP, then SIGCONT N ms later) once
# per INTERVAL, after its GC: a pause of any length, as a long GC or a stalled VM would make one.
#
# Needs root (to raise net.core.rmem_max for the run; the old value is put back), the built jar
# (./mvnw -B -DskipTests package), jcmd (the JDK), python3 (a free port) and sha256sum.
set -euo pipefail
perf="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$perf")"
gapsync="$repo/bin/gapsync"
size_mb="${1:-1000}"
rate="${2:-1000M}"
interval="${3:-1}"
work="$(mktemp -d /tmp/gapsync-gc-pauses.XXXXXX)"
rmem_old="$(sysctl -n net.core.rmem_max)"
rpid=""
gcpid=""
cleanup() {
  [ -n "$gcpid" ] && kill "$gcpid" 2>/dev/null || true
  [ -n "$rpid" ] && kill "$rpid" 2>/dev/null || true
  wait 2>/dev/null || true
  sysctl -q -w net.core.rmem_max="$rmem_old" || true
  mkdir -p "$perf/target/diode-logs"
  cp "$work"/*.log "$perf/target/diode-logs/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
sysctl -q -w net.core.rmem_max=$((128 << 20))

"$gapsync" key generate --out "$work/producer" >/dev/null
head -c $((size_mb << 20)) /dev/urandom >"$work/gc.gsa"
(cd "$work" && sha256sum gc.gsa >gc.gsa.sha256)
want="$(cut -d' ' -f1 "$work/gc.gsa.sha256")"
port="$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sync

# bin/gapsync execs the JVM, so $! is the receiver's JVM: jcmd talks to it.
GAPSYNC_JAVA_OPTS="-Xmx512m -Xlog:gc:file=$work/gc.log:uptime" "$gapsync" diode receive \
  --listen "127.0.0.1:$port" --spool "$work/spool" --trust "$work/producer.pub" \
  --exit-when-idle 5s >"$work/gc-receiver.log" 2>&1 &
rpid=$!
for _ in $(seq 1 100); do
  grep -q "Receiving on" "$work/gc-receiver.log" 2>/dev/null && break
  sleep 0.1
done
(
  while kill -0 "$rpid" 2>/dev/null; do
    sleep "$interval"
    jcmd "$rpid" GC.run >/dev/null 2>&1 || true
    if [ "${DIODE_STOP_MS:-0}" != 0 ]; then
      kill -STOP "$rpid" 2>/dev/null || true
      sleep "$(echo "${DIODE_STOP_MS} / 1000" | bc -l)"
      kill -CONT "$rpid" 2>/dev/null || true
      stops=$((${stops:-0} + 1))
      echo "$stops" >"$work/stops"
    fi
  done
) &
gcpid=$!
nice -n 10 "$gapsync" diode send --to "127.0.0.1:$port" --key "$work/producer.key" --rate "$rate" \
  "$work/gc.gsa" >"$work/gc-sender.log" 2>&1
wait "$rpid" || true
rpid=""
kill "$gcpid" 2>/dev/null || true
wait "$gcpid" 2>/dev/null || true
gcpid=""

exact=no
[ -f "$work/spool/gc.gsa" ] && [ "$(sha256sum "$work/spool/gc.gsa" | cut -d' ' -f1)" = "$want" ] \
  && exact=yes
# G1's lines: "[12.345s] GC(7) Pause Full (Diagnostic Command) 48M->27M(97M) 14.783ms".
pauses="$(grep -o 'Pause Full (Diagnostic Command).* \([0-9.]*\)ms' "$work/gc.log" \
  | sed 's/.* \([0-9.]*\)ms$/\1/' || true)"
all="$(grep -o 'Pause .* \([0-9.]*\)ms' "$work/gc.log" | sed 's/.* \([0-9.]*\)ms$/\1/' || true)"
stat() { # NUMBERS: count, longest, total (ms)
  echo "$1" | awk 'NF { n++; t += $1; if ($1 > m) m = $1 } END { printf "%d, longest %.1f ms, total %.1f ms", n, m, t }'
}
{
  echo "# Diode receiver under forced full GCs${DIODE_STOP_MS:+ and ${DIODE_STOP_MS} ms stops}, $(date -u +%FT%TZ): ${size_mb} MiB at $rate on 127.0.0.1, jcmd GC.run every ${interval} s, rmem_max 128 MiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "- forced full GC pauses: $(stat "$pauses")"
  echo "- all GC pauses: $(stat "$all")"
  [ "${DIODE_STOP_MS:-0}" = 0 ] \
    || echo "- process stops of ${DIODE_STOP_MS} ms (SIGSTOP/SIGCONT): $(cat "$work/stops" 2>/dev/null || echo 0)"
  echo "- sender: $(tail -1 "$work/gc-sender.log")"
  echo "- receiver: $(grep -o 'ring overflows=[0-9]*' "$work/gc-receiver.log" || echo '?'); $(grep -o 'loss=.*' "$work/gc-receiver.log" || echo 'loss=?')"
  echo "- bit-exact: $exact"
} | tee "$perf/target/diode-gc-results.md"
