"""Writes NeXus test files with the real libhdf5 (h5py), as beamline software writes them.

Usage: make_nexus.py KIND OUT   (KIND: full, multi, external, truncated, image, plain, big, slabs)
"""
import sys

import h5py
import numpy as np


def full(f, entry="scan", title="Silver behenate calibration"):
    e = f.create_group(entry)
    e.attrs["NX_class"] = "NXentry"
    e.attrs["nexdatas_strategy"] = "INIT"  # hidden by default
    e["title"] = title
    e["start_time"] = "2026-11-30T09:00:00.123456+01:00"
    e["end_time"] = "2026-11-30T09:05:00+01:00"
    e["definition"] = "NXsas"
    # variable-length UTF-8 text holding YAML, as DESY's NeXus writer stores it
    e.create_dataset("experiment_description", data="techniques:\n  - small angle x-ray scattering\ntechniques_pids:\n  - http://purl.org/pan-science/PaNET/PaNET01188\n", dtype=h5py.string_dtype("utf-8"))
    e["program_name"] = np.bytes_(b"nexdatas")  # fixed-length ASCII
    e["program_name"].attrs["scan_command"] = "ascan exp_dmy01 0 1 10 0.1"

    inst = e.create_group("instrument")
    inst.attrs["NX_class"] = "NXinstrument"
    det = inst.create_group("detector")
    det.attrs["NX_class"] = "NXdetector"
    d = det.create_dataset("distance", data=np.float32(300.1))
    d.attrs["units"] = "mm"
    d.attrs["nexdatas_source"] = "<datasource/>"
    det.create_dataset("frames", data=np.uint32(4000000000))
    det.create_dataset("gain", data=np.int8(-3))
    det.create_dataset("bits", data=np.uint16(65535))
    det.create_dataset("count_time", data=np.float64(0.1)).attrs["units"] = "s"
    det.create_dataset("pixels", data=np.int64(-9007199254740993))
    det.create_dataset("serial", data=np.uint64(18446744073709551615))
    det.create_dataset("short", data=np.int16(-12345))
    det.create_dataset("enabled", data=True)
    det.create_dataset("name", data=np.array([b"eiger4m"], dtype="S16"))
    # a compressed 3-D detector stack: metadata gives its shape and never reads it
    data = det.create_dataset("data", shape=(20, 256, 256), dtype="uint16", chunks=(1, 256, 256), compression="gzip")
    for i in range(20):
        data[i] = (np.arange(256 * 256, dtype="uint16").reshape(256, 256) + i)
    data.attrs["units"] = "counts"

    mono = inst.create_group("monochromator")
    mono.attrs["NX_class"] = "NXmonochromator"
    mono.create_dataset("energy", data=np.float64(12.4)).attrs["units"] = "keV"

    sample = e.create_group("sample")
    sample.attrs["NX_class"] = "NXsample"
    sample["name"] = "AgBeh"
    sample["description"] = "sample_id: AgBeh-0042\nholder: capillary\n"
    sample.create_dataset("temperature", data=np.float32(295.5)).attrs["units"] = "K"

    dat = e.create_group("data")
    dat.attrs["NX_class"] = "NXdata"
    dat.attrs["signal"] = "counts"
    dat.create_dataset("counts", data=np.arange(11, dtype="float64") * 2.5)
    dat.create_dataset("exp_dmy01", data=np.linspace(0.0, 1.0, 11)).attrs["units"] = "mm"
    dat.create_dataset("long_trace", data=np.arange(5000, dtype="int32") - 7)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "full":
        with h5py.File(out, "w") as f:
            full(f)
    elif kind == "multi":
        with h5py.File(out, "w") as f:
            full(f, "scan_0002", "second")
            full(f, "scan_0001", "first")
            other = f.create_group("calibration")  # not an NXentry
            other.attrs["NX_class"] = "NXcollection"
    elif kind == "external":
        with h5py.File(out + ".data.h5", "w") as d:
            d["frames"] = np.zeros((4, 8, 8), dtype="uint8")
        with h5py.File(out, "w") as f:
            full(f)
            f["scan/instrument/detector/external_frames"] = h5py.ExternalLink("missing-file.h5", "/frames")
            f["scan/instrument/detector/linked_frames"] = h5py.ExternalLink(out.split("/")[-1] + ".data.h5", "/frames")
    elif kind == "truncated":
        with h5py.File(out, "w") as f:
            full(f)
        with open(out, "r+b") as raw:
            raw.seek(0, 2)
            raw.truncate(raw.tell() // 3)
    elif kind == "image":
        # NXdata whose signal is the detector stack (a soft link, as NeXus writers do), named by the entry's default
        with h5py.File(out, "w") as f:
            full(f)
            img = f["scan"].create_group("image")
            img.attrs["NX_class"] = "NXdata"
            img.attrs["signal"] = "data"
            img["data"] = h5py.SoftLink("/scan/instrument/detector/data")
            f["scan"].attrs["default"] = "image"
    elif kind == "plain":
        with open(out, "wb") as raw:
            raw.write(b"not an hdf5 file at all\n" * 100)
    elif kind == "big":
        # a master with a large compressed detector stack (size from argv[3] in MiB, incompressible noise)
        mib = int(sys.argv[3])
        with h5py.File(out, "w") as f:
            full(f)
            det = f["scan/instrument/detector"]
            frames = max(1, mib * 1024 * 1024 // (512 * 512 * 2))
            big = det.create_dataset("stack", shape=(frames, 512, 512), dtype="uint16", chunks=(1, 512, 512), compression="gzip", compression_opts=1)
            rng = np.random.default_rng(1)
            for i in range(frames):
                big[i] = rng.integers(0, 65535, size=(512, 512), dtype="uint16")
    elif kind == "slabs":
        # a stack read by hyperslabs: small gzip'd chunks (32 KiB raw) of noise that compresses a little, size from argv[3] in MiB
        mib = int(sys.argv[3])
        with h5py.File(out, "w") as f:
            full(f)
            det = f["scan/instrument/detector"]
            frames = max(1, mib * 1024 * 1024 * 5 // 4 // (512 * 512 * 2))
            stack = det.create_dataset("slabs", shape=(frames, 512, 512), dtype="uint16", chunks=(1, 128, 128), compression="gzip", compression_opts=1)
            rng = np.random.default_rng(2)
            for i in range(frames):
                stack[i] = rng.integers(0, 4096, size=(512, 512), dtype="uint16")
    else:
        raise SystemExit("unknown kind " + kind)


main()
