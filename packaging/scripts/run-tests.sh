#!/usr/bin/env bash
# Runs every test project and ends with one line "tests: N passed, M failed" summed over all of them.
set -uo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
# Whatever a crashed test left behind (its private servers, its mounts) is ended here, so CI never hangs on it.
cleanup() {
    rm -f "$log"
    awk '/ fuse\.facilityfs / && $5 ~ /^\/tmp\/ffs-/ {print $5}' /proc/self/mountinfo | while read -r m; do
        umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null
    done
    pkill -f '/tmp/ffs-(apache|nginx)server-' 2>/dev/null || true
    pkill -f 'facilityfs-tests/oidc-provider-9/provider.mjs' 2>/dev/null || true
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
