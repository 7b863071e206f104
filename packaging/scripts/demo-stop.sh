#!/usr/bin/env bash
# Ends what make demo left running: the mount at ./demo-mount and the demo storage.
set -uo pipefail
cd "$(dirname "$0")/../.."
if grep -q " $(pwd)/demo-mount " /proc/self/mountinfo; then bin/facilityfs unmount demo-mount; fi
if [ -f .demo/server.pid ]; then
    pid=$(cat .demo/server.pid)
    kill "$pid" 2>/dev/null && for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f .demo/server.pid
fi
echo "demo stopped"
