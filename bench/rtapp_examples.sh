# rtapp_examples.sh: rtapp_vs_schedsim.sh --examples [DIR] [SECONDS], sourced by it.
#
# For each rt-app example of DIR (merge/ excepted: fragments for rt-app's merge.py, which
# rt-app 1.0 does not run either), for SECONDS:
#   linux     Debian's rt-app, unpinned, on the file as workgen rewrites it (unique keys,
#             bare "suspend" filled in) with global "duration" SECONDS, "ftrace" and
#             "gnuplot" off (a container has no trace_marker) and its logs in a scratch
#             directory. A thread's CPU time is the last value of its
#             /proc/PID/task/TID/schedstat, sampled every 0.1 s (threads that exit keep
#             the value of their last sample), as a % of one CPU over the use case's
#             length (first start to last end of the loops in rt-app's logs); its
#             latency is the wu_lat column of rt-app's log (per loop: how late after
#             its timer's tick it ran).
#   schedsim  the same file with --cpus (this machine's CPUs) --duration SECONDS
#             --rtapp-logs: runtime from its report as a % of one CPU over the simulated
#             time (shorter than SECONDS when every thread ended), wu_lat from its logs.
# Prints per example and thread: % of one CPU on each side, and wu_lat p50 / max in us.
# Says so when rt-app fails, is killed after SECONDS + 60 s, or a thread schedsim runs
# has no rt-app log ("missing") or was never seen in /proc ("not sampled": it ended
# between two samples, or its name is over 15 characters, which rt-app 1.0 cannot give a
# thread: it keeps the name rt-app); and when this host refuses SCHED_FIFO or
# SCHED_DEADLINE (the examples that use them are run all the same: rt-app says what
# failed).

# rt-app's global keys for a bounded, quiet run: the file's own values replaced, missing
# ones added after the line that opens "global" (or a "global" object added).
ex_prepare() { # in out seconds
	awk -v secs="$3" '
	BEGIN { want["duration"] = secs; want["ftrace"] = "false"; want["gnuplot"] = "false"
		want["logdir"] = "\"./\""; want["log_basename"] = "\"rtapp\"" }
	{ lines[NR] = $0
	  for (k in want) if ($0 ~ "\"" k "\"[ \t]*:") seen[k] = 1
	  if (!g && $0 ~ /"global"[ \t]*:[ \t]*\{/) g = NR
	  if (!first && $0 ~ /\{/) first = NR }
	END {
	  for (i = 1; i <= NR; i++) {
		l = lines[i]
		for (k in want)
			if (l ~ "\"" k "\"[ \t]*:")
				sub("\"" k "\"[ \t]*:[ \t]*(\"[^\"]*\"|-?[0-9]+|true|false)",
				    "\"" k "\" : " want[k], l)
		print l
		if (i == g)
			for (k in want) if (!seen[k]) print "\t\t\"" k "\" : " want[k] ","
		if (!g && i == first) {
			printf "\t\"global\" : {"
			for (k in want) printf " \"%s\" : %s,", k, want[k]
			print " \"calibration\" : \"CPU0\" },"
		}
	  } }' "$1" > "$2"
}

# One line per thread of rt-app's process: tid, name, ns of CPU; appended every 0.1 s.
# Shell builtins only: a sample forks nothing, so that it stays quick on a loaded machine.
ex_sample() { # pid
	for t in /proc/"$1"/task/*; do
		{ read -r c < "$t/comm" && read -r n x < "$t/schedstat"; } 2>/dev/null || continue
		echo "${t##*/} $c $n"
	done
}

# name[-instance] p50 max of the wu_lat column, per log of DIR (rtapp-TASK-IDX.log); the
# instance is the log's rank among its task's logs, by IDX.
ex_lat() { # dir
	for f in "$1"/rtapp-*.log; do
		[ -e "$f" ] || continue
		b=${f##*/rtapp-}
		b=${b%.log}
		echo "${b%-*} ${b##*-} $f"
	done | sort -k1,1 -k2,2n | while read -r task idx f; do
		awk -v t="$task" '!/^#/ && NF >= 11 { v[n++] = $11 }
			END { if (!n) { print t, "-", "-"; exit }
			      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
				if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
			      print t, v[int((n - 1) / 2)], v[n - 1] }' "$f"
	done | awk '{ n = substr($1, 1, 15); k = seen[n]++; if (k) n = n "-" k; $1 = n; print }'
}

ex_run_linux() { # dir seconds; leaves linux (name ns) and status in dir
	d=$1
	(cd "$d" && exec rt-app in.json > rtapp.out 2>&1) &
	rpid=$!
	t0=$(date +%s)
	ts=
	: > "$d/samples"
	while kill -0 "$rpid" 2>/dev/null; do
		n=$(ex_sample "$rpid" | tee -a "$d/samples" | wc -l)
		# the use case starts with the threads, after rt-app's calibration
		[ -z "$ts" ] && [ "$n" -gt 1 ] && ts=$(date +%s%N)
		el=$(($(date +%s) - t0))
		if [ "$el" -gt $(($2 + 60)) ]; then
			# rt-app ends on SIGTERM only once its threads do: KILL 5 s later
			[ "$el" -gt $(($2 + 65)) ] && sig=KILL || sig=TERM
			kill -s "$sig" "$rpid" 2>/dev/null || true
			echo "rt-app killed after $(($2 + 60)) s (still running)" > "$d/status"
		fi
		sleep 0.1
	done
	wait "$rpid" 2>/dev/null && rc=0 || rc=$?
	# the use case's length: from the first start to the last end of its logs' loops
	# (rt-app's clock), else from the first sample that saw the threads to rt-app's exit
	cat "$d"/rtapp-*.log 2>/dev/null | awk -v ts="${ts:-0}" -v te="$(date +%s%N)" '
		!/^#/ && NF >= 11 { if (!n++ || $5 < a) a = $5; if ($6 > b) b = $6 }
		END { printf "%.1f\n", n ? (b - a) / 1e6 : ts ? (te - ts) / 1e9 : 0 }' \
		> "$d/elapsed"
	if [ ! -s "$d/status" ]; then
		err=$(grep -m1 '<error>\|<crit>' "$d/rtapp.out" || true)
		if [ "$rc" != 0 ] || [ -n "$err" ]; then
			echo "rt-app failed (status $rc): ${err:-see its output}" > "$d/status"
		fi
	fi
	# the last sample of each thread but rt-app's main one; instance N > 0 as name-N
	awk '$2 != "rt-app" { ns[$1] = $3; name[$1] = $2 }
	     END { for (t in ns) print t, name[t], ns[t] }' "$d/samples" | sort -n |
		awk '{ n = $2; k = seen[n]++; if (k) n = n "-" k; print n, $3 }' > "$d/linux"
}

ex_run_sim() { # dir seconds cpus
	"$sim" --cpus "$3" --duration "$2" --rtapp-logs "$1/sim" "$1/in.json" > "$1/sim.out" \
		2>&1 || { echo "schedsim failed: $(head -1 "$1/sim.out")"; return 1; }
	awk '/^thread +inst / { go = 1; next } go && NF == 0 { exit }
	     go { n = substr($1, 1, 15); if ($2 > 0) n = n "-" $2; print n, $4 * 1e6 }' \
		"$1/sim.out" > "$1/simrt"
	# the simulated time: SECONDS, or less when every thread ended before
	sed -n '1s/.*, \([0-9.]*\) s simulated.*/\1/p' "$1/sim.out" > "$1/simsecs"
}

ex_table() { # dir seconds
	d=$1
	ex_lat "$d" > "$d/llat"
	ex_lat "$d/sim" > "$d/slat"
	printf '  %-18s %8s %8s   %9s %9s   %9s %9s  %s\n' thread linux% sim% \
		lin_p50us lin_maxus sim_p50us sim_maxus note
	awk -v secs="$(cat "$d/simsecs")" -v lsecs="$(cat "$d/elapsed" 2>/dev/null || echo 0)" '
	FILENAME ~ /\/linux$/ { l[$1] = $2; next }
	FILENAME ~ /\/llat$/ { lp[$1] = $2; lm[$1] = $3; next }
	FILENAME ~ /\/slat$/ { sp[$1] = $2; sm[$1] = $3; next }
	{ k = $1; note = ""
	  if (!(k in lp)) note = "missing (no rt-app log)"
	  else if (!(k in l)) note = "not sampled"
	  printf "  %-18s %8s %8.2f   %9s %9s   %9s %9s  %s\n", k,
		((k in l) && lsecs > 0) ? sprintf("%.2f", l[k] / lsecs / 1e7) : "-", $2 / secs / 1e7,
		k in lp ? lp[k] : "-", k in lm ? lm[k] : "-",
		k in sp ? sp[k] : "-", k in sm ? sm[k] : "-", note }' \
		"$d/linux" "$d/llat" "$d/slat" "$d/simrt"
}

examples_mode() { # dir seconds
	dir=$1
	secs=$2
	sim=${SCHEDSIM:-$top/build/arch/sim/schedsim}
	cpus=$(nproc)
	[ -x "$sim" ] || { echo "schedsim not built: run 'make' first" >&2; return 1; }
	[ -d "$dir" ] || { echo "no examples in $dir" >&2; return 1; }
	linux=yes
	command -v rt-app > /dev/null || linux="skipped: rt-app is not installed"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "machine: $(uname -r), $cpus CPUs ($(sed -n 's/^model name[^:]*: //p' \
		/proc/cpuinfo | head -1)); rt-app and schedsim --cpus $cpus, $secs s each"
	if [ "$linux" = yes ]; then
		chrt -f 1 true 2> /dev/null || echo "note: this host refuses SCHED_FIFO"
		chrt -d -T 1000000 -P 10000000 0 true 2> /dev/null ||
			echo "note: this host refuses SCHED_DEADLINE"
	else
		echo "linux: $linux"
	fi
	for f in $(cd "$dir" && find . -name '*.json' ! -path './merge/*' | sort); do
		d=$tmp/$(echo "$f" | tr '/.' '__')
		mkdir -p "$d/sim"
		if command -v workgen > /dev/null; then
			workgen -d -o "$d/wg.json" "$dir/$f" > /dev/null 2>&1 ||
				cp "$dir/$f" "$d/wg.json"
		else
			cp "$dir/$f" "$d/wg.json"
		fi
		ex_prepare "$d/wg.json" "$d/in.json" "$secs"
		echo
		echo "${f#./}"
		: > "$d/linux"
		[ "$linux" = yes ] && ex_run_linux "$d" "$secs"
		[ -s "$d/status" ] && echo "  linux: $(cat "$d/status")"
		[ -s "$d/elapsed" ] && echo "  linux: the use case ran $(cat "$d/elapsed") s"
		ex_run_sim "$d" "$secs" "$cpus" || continue
		ex_table "$d" "$secs"
	done
}
