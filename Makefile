# Every target installs what it needs on a fresh Debian machine (with the .NET 10 SDK) and can be rerun.
SHELL := /bin/bash
APT_PACKAGES := apache2 libapache2-mod-auth-openidc nginx-light libnginx-mod-http-dav-ext fuse3 libfuse3-dev rclone curl gcc nodejs python3-h5py time lintian

.PHONY: all deps build package test bench demo demo-stop clean windows

all: build

deps:
	@packaging/scripts/install-deps.sh $(APT_PACKAGES)

build: deps
	dotnet build FacilityFS.sln -c Release --nologo -v quiet -clp:NoSummary
	# NativeAOT: one binary (plus SQLite's native library) that needs no .NET runtime and starts in milliseconds; the tests run it (FFS_COMMAND).
	rm -rf bin/lib bin/facilityfs
	dotnet publish src/FacilityFS.Cli -c Release -r linux-x64 -p:PublishAot=true --nologo -v quiet -o bin/publish
	install -m 755 bin/publish/facilityfs bin/facilityfs
	install -m 644 bin/publish/libe_sqlite3.so bin/libe_sqlite3.so

package: build
	packaging/scripts/package.sh

# Windows (WinFsp) build, cross-built here: bin/win-x64/facilityfs.exe and its DLLs, for a machine with .NET 10 and WinFsp installed.
windows:
	dotnet publish src/FacilityFS.Cli -c Release -r win-x64 --self-contained false --nologo -v quiet -o bin/win-x64

test: build
	packaging/scripts/run-tests.sh

bench: build
	# The physical limits the mount is measured against: our C FUSE file system serving memory, and libfuse's own passthrough_ll example.
	gcc -O2 -Wall -Wextra -Werror -pthread -o bin/memfs_ll native/ceiling/memfs_ll.c $$(pkg-config --cflags --libs fuse3)
	gcc -O2 -o bin/passthrough_ll /usr/share/doc/libfuse3-dev/examples/passthrough_ll.c -I/usr/share/doc/libfuse3-dev/examples $$(pkg-config --cflags --libs fuse3)
	dotnet tests/FacilityFS.Benchmarks/bin/Release/net10.0/FacilityFS.Benchmarks.dll

demo: build
	packaging/scripts/demo.sh

demo-stop:
	packaging/scripts/demo-stop.sh

clean: demo-stop
	rm -rf bin .demo demo-mount
	dotnet clean FacilityFS.sln --nologo -v quiet
