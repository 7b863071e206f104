#!/usr/bin/env bash
# The main job on a built-in default: a private demo WebDAV storage on 127.0.0.1 with a sample tree (uploaded with
# facilityfs put -r, listed, downloaded back and compared), then mounted at ./demo-mount, where it stays for you to use.
set -euo pipefail
cd "$(dirname "$0")/../.."
demo=.demo
mountpoint=demo-mount
packaging/scripts/demo-stop.sh >/dev/null 2>&1 || true
rm -rf "$demo/sample" "$demo/download"
mkdir -p "$demo" "$mountpoint"
chmod 755 "$demo"

# The demo storage outlives this script (it serves the mount); demo-stop.sh ends both.
setsid dotnet tests/FacilityFS.TestServers/bin/Release/net10.0/FacilityFS.TestServers.dll serve apache "$demo/server" 0 \
    >"$demo/server.log" 2>&1 </dev/null &
echo $! >"$demo/server.pid"
url=""
for _ in $(seq 1 200); do
    url=$(grep -m1 -oE '^http://127\.0\.0\.1:[0-9]+/' "$demo/server.log" || true)
    [ -n "$url" ] && break
    kill -0 "$(cat "$demo/server.pid")" 2>/dev/null || { cat "$demo/server.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "demo: the demo storage did not start" >&2; cat "$demo/server.log" >&2; exit 1; }
echo "demo storage (Apache mod_dav) at $url"

cat >"$demo/config.yaml" <<YAML
remotes:
  demo:
    url: $url
YAML
ffs() { bin/facilityfs --config "$demo/config.yaml" "$@"; }

mkdir -p "$demo/sample/run 001/detector" "$demo/sample/calibration"
head -c 20000000 /dev/urandom >"$demo/sample/run 001/detector/frames.raw"
printf '{"proposalId": "demo-001", "beamline": "demo"}\n' >"$demo/sample/run 001/metadata.json"
for i in $(seq -w 1 20); do echo "scan $i" >"$demo/sample/calibration/scan-$i.txt"; done

echo "+ facilityfs put -r $demo/sample demo:/sample"
ffs put -r "$demo/sample" demo:/sample
echo "+ facilityfs ls -l -r demo:/"
ffs ls -l -r demo:/
echo "+ facilityfs get -r demo:/sample $demo/download"
ffs get -r demo:/sample "$demo/download"
diff -r "$demo/sample" "$demo/download"
echo "demo: the downloaded tree is identical to the uploaded one"

echo "+ facilityfs mount demo:/ $mountpoint"
ffs mount demo:/ "$mountpoint" --cache-dir "$demo/cache" --spool-dir "$demo/spool" --log-file "$demo/mount.log"
ls -lR "$mountpoint"
cmp "$mountpoint/sample/run 001/detector/frames.raw" "$demo/sample/run 001/detector/frames.raw"
echo "demo: $mountpoint shows the demo storage; files read through it are identical"
echo "+ cp -r $demo/sample/calibration $mountpoint/written-through-the-mount"
cp -r "$demo/sample/calibration" "$mountpoint/written-through-the-mount"
ffs status "$mountpoint" | head -3
echo "+ facilityfs sync $mountpoint"
ffs sync "$mountpoint"
echo "+ facilityfs ls demo:/written-through-the-mount"
ffs ls demo:/written-through-the-mount | head -5
diff -r "$demo/sample/calibration" "$demo/server/data/written-through-the-mount"
echo "demo: files written into $mountpoint were uploaded to the demo storage, identical"
echo "demo: the mount stays up; unmount it and stop the demo storage with: make demo-stop"
