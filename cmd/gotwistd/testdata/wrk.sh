#!/usr/bin/env bash
# Throughput of gotwistd beside http.FileServer and twistd web, with wrk,
# over loopback, access logs off (twistd's go to /dev/null): a 4 KiB file
# and a listing of a 100-entry directory. ROUNDS rounds; in each, for each
# path, the three servers run one after the other in a random order. Prints every figure, then the medians and the ratios
# (of the medians, and the median of each round's ratio). PIN=1 runs the
# servers on CPU 1 (GOMAXPROCS=1) and wrk on CPU 0.
# Needs wrk and python3-twisted (apt-get install -y wrk python3-twisted).
# Run from the module's root: cmd/gotwistd/testdata/wrk.sh
set -euo pipefail
ROUNDS=${ROUNDS:-11}
DURATION=${DURATION:-3s}
PIN=${PIN:-0}
server=() client=()
if [ "$PIN" = 1 ]; then
	server=(env GOMAXPROCS=1 taskset -c 1) client=(taskset -c 0)
fi
CONNS=${CONNS:-32}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www/list"
head -c 4096 /dev/urandom | base64 -w0 | head -c 4096 > "$work/www/file4k.txt"
for i in $(seq -w 1 100); do head -c $((10#$i * 37)) /dev/zero > "$work/www/list/entry$i.txt"; done
go build -o "$work/gotwistd" ./cmd/gotwistd
go build -o "$work/fileserver" ./cmd/gotwistd/testdata/fileserver

for port in 18081 18082 18083; do
	if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
		echo "port $port is taken: stop what listens there" >&2
		exit 1
	fi
done
declare -A pid
"${server[@]}" "$work/gotwistd" web --path "$work/www" --listen tcp:18081:interface=127.0.0.1 > /dev/null &
pid[18081]=$!
"${server[@]}" "$work/fileserver" -addr 127.0.0.1:18082 -path "$work/www" &
pid[18082]=$!
(cd "$work" && exec "${server[@]}" twistd3 -n --pidfile= -l /dev/null web --path "$work/www" --listen tcp:18083:interface=127.0.0.1 --logfile /dev/null < /dev/null) &
pid[18083]=$!
# cpu prints the CPU time a process has used, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
for port in 18081 18082 18083; do
	for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/file4k.txt" && break; sleep 0.2; done
	# each serves the files made here: the file whole, the listing with every entry
	[ "$(curl -sf "http://127.0.0.1:$port/file4k.txt" | wc -c)" = 4096 ]
	curl -sf "http://127.0.0.1:$port/list/" | grep -q entry100.txt
done

declare -A name=([18081]=gotwistd [18082]=fileserver [18083]=twistd)
out="$work/results"
for round in $(seq "$ROUNDS"); do
	for path in /file4k.txt /list/; do
		# a new random order for each path of each round, so that no
		# server always follows another (twistd, busy for a moment after
		# its run, would slow whichever came next)
		for port in $(printf '%s\n' 18081 18082 18083 | shuf); do
			sleep 1
			before=$(cpu "${pid[$port]}")
			read -r n rps < <("${client[@]}" wrk -t2 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$port$path" |
				awk '/requests in/ {n = $1} /Requests\/sec/ {print n, $2}')
			after=$(cpu "${pid[$port]}")
			# the server's CPU time per request, in microseconds: a figure
			# that the machine's other load disturbs less than requests/s
			us=$(awk -v t="$((after - before))" -v n="$n" -v hz="$tick" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
			echo "$round ${name[$port]} $path $rps $us" | tee -a "$out"
		done
	done
done
python3 - "$out" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(dict)
cpu = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    rnd, srv, path, rps, us = line.split()
    runs[(srv, path)][rnd] = float(rps)
    cpu[(srv, path)][rnd] = float(us)
med = {k: statistics.median(v.values()) for k, v in runs.items()}
medcpu = {k: statistics.median(v.values()) for k, v in cpu.items()}
for path in ("/file4k.txt", "/list/"):
    print(f"\n{path}")
    for srv in ("gotwistd", "fileserver", "twistd"):
        print(f"  {srv:10s} {med[(srv, path)]:10.0f} req/s  {medcpu[(srv, path)]:8.1f} us CPU/req")
    for peer in ("fileserver", "twistd"):
        ratios = [runs[("gotwistd", path)][r] / runs[(peer, path)][r] for r in runs[("gotwistd", path)]]
        print(f"  gotwistd / {peer}: {med[('gotwistd', path)] / med[(peer, path)]:.2f}x req/s of medians, "
              f"{statistics.median(ratios):.2f}x median of paired rounds; "
              f"CPU per request {medcpu[('gotwistd', path)] / medcpu[(peer, path)]:.2f}x")
PY
