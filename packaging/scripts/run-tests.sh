#!/usr/bin/env bash
# Runs every test project and ends with one line "tests: N passed, M failed" summed over all of them.
set -uo pipefail
cd "$(dirname "$0")/../.."
# Everything this run makes lives under one folder: temp folders (and so every test mount) via TMPDIR,
# and the PIDs of the servers it starts (tests/FacilityFS.TestServers/RunRecord.cs) under pids/.
run=$(mktemp -d /tmp/ffs-run.XXXXXX)
# Test servers drop privileges to their worker user, which must reach the folders below.
chmod 755 "$run"
mkdir -m 1777 "$run/tmp"
export FFS_TEST_RUN="$run" TMPDIR="$run/tmp"
# The CLI and mount suites run the native binary make build published, not only the JIT build next to the tests.
[ -x bin/facilityfs ] && export FFS_COMMAND="$PWD/bin/facilityfs"
log="$run/test.log"
cache_home=${XDG_CACHE_HOME:-$HOME/.cache}

# Ends a recorded process if it is still the one recorded (same start time), first kindly, then not.
end_process() {
    local pid=$1 started=$2 now
    [ -r "/proc/$pid/stat" ] || return 0
    now=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
    [ "$now" = "$started" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# Whatever a crashed test left behind (its mounts, its servers) is ended here, by PID, so CI never hangs on it;
# nothing this run did not start is touched.
cleanup() {
    awk -v run="$run/" '/ fuse\.facilityfs / && index($5, run) == 1 {print $5}' /proc/self/mountinfo | while read -r m; do
        pidfile="$cache_home/facilityfs/run/mount-$(printf %s "$m" | sha256sum | cut -c1-16).pid"
        umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null
        # The daemon's own pid file; it is ours only if that process still names this mountpoint.
        if [ -r "$pidfile" ]; then
            pid=$(tr -d '[:space:]' < "$pidfile")
            if [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF "$m"; then
                end_process "$pid" "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)"
            fi
        fi
    done
    for f in "$run"/pids/*.pid; do
        [ -e "$f" ] || continue
        read -r pid started < "$f"
        end_process "$pid" "$started"
    done
    rm -rf "$run" 2>/dev/null || true
}
trap cleanup EXIT
dotnet test FacilityFS.sln -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
    echo "run-tests: no test ran" >&2
    exit 1
fi
exit "$status"
