#!/usr/bin/env bash
# Builds bin/facilityfs_<version>_amd64.deb with dpkg-deb from the native binary make build published into bin/.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=bin/facilityfs
[ -x "$binary" ] && [ ! -L "$binary" ] || { echo "package: $binary is not the native binary; run make build first" >&2; exit 1; }
version=$("$binary" --version | cut -d+ -f1)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/facilityfs"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib/facilityfs" "$root/usr/lib/systemd/system" "$root/usr/lib/systemd/user" \
    "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/doc/facilityfs/examples"
# The binary and the one native library it loads (SQLite, shipped by SQLitePCLRaw as a shared object only) stay together:
# the binary finds it next to its real path, which the links below resolve to.
install -m 755 "$binary" "$root/usr/lib/facilityfs/facilityfs"
install -m 644 bin/libe_sqlite3.so "$root/usr/lib/facilityfs/libe_sqlite3.so"
strip --strip-unneeded "$root/usr/lib/facilityfs/libe_sqlite3.so"
ln -s ../lib/facilityfs/facilityfs "$root/usr/bin/facilityfs"
# mount(8) runs /sbin/mount.TYPE for fstab type facilityfs, and mount.fuse.facilityfs for type fuse.facilityfs.
ln -s ../lib/facilityfs/facilityfs "$root/usr/sbin/mount.facilityfs"
ln -s ../lib/facilityfs/facilityfs "$root/usr/sbin/mount.fuse.facilityfs"
install -m 644 packaging/systemd/facilityfs@.service "$root/usr/lib/systemd/system/"
install -m 644 packaging/systemd/facilityfs-watch@.service "$root/usr/lib/systemd/system/"
install -m 644 packaging/systemd/user/facilityfs@.service "$root/usr/lib/systemd/user/"
"$binary" docs man | gzip -9n > "$root/usr/share/man/man1/facilityfs.1.gz"
ln -s facilityfs.1.gz "$root/usr/share/man/man1/mount.facilityfs.1.gz"
ln -s facilityfs.1.gz "$root/usr/share/man/man1/mount.fuse.facilityfs.1.gz"
"$binary" docs bash > "$root/usr/share/bash-completion/completions/facilityfs"
"$binary" docs zsh > "$root/usr/share/zsh/vendor-completions/_facilityfs"
chmod 644 "$root/usr/share/bash-completion/completions/facilityfs" "$root/usr/share/zsh/vendor-completions/_facilityfs"
install -d "$root/usr/share/lintian/overrides"
install -m 644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/facilityfs"
install -m 644 packaging/config.example.yaml "$root/usr/share/doc/facilityfs/examples/config.yaml"
install -m 644 packaging/debian/copyright "$root/usr/share/doc/facilityfs/copyright"
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" packaging/debian/changelog.in | gzip -9n > "$root/usr/share/doc/facilityfs/changelog.gz"
# ICU (names are matched NFC-insensitively) is the one library beyond libc and FUSE; its package name carries its version.
icu=$(dpkg-query -W -f='${Package}\n' 'libicu[0-9]*' 2>/dev/null | grep -E '^libicu[0-9]+$' | head -1)
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s/@ICU@/${icu:-libicu72}/" packaging/debian/control.in > "$root/DEBIAN/control"
find "$root" -type d -exec chmod 755 {} +
out="bin/facilityfs_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
