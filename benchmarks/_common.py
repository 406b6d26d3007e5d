"""Shared helpers for the skdeep benchmarks: machine description, timing,
medians and markdown tables.  Pure standard library + numpy (optional psutil,
threadpoolctl) so it can be imported before any deep-learning framework."""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import platform
import statistics
import subprocess
import sys
import time

# ----------------------------------------------------------------------------
# machine description
# ----------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:  # macOS
        return subprocess.check_output(
            ["sysctl", "-n", "machdep.cpu.brand_string"], text=True
        ).strip()
    except Exception:
        return platform.processor() or platform.machine()


def _cpu_extra() -> str:
    """Family/model/hypervisor from lscpu, when the brand string is terse."""
    try:
        out = subprocess.check_output(["lscpu"], text=True, stderr=subprocess.DEVNULL)
    except Exception:
        return ""
    keep = {}
    for line in out.splitlines():
        if ":" not in line:
            continue
        k, v = (s.strip() for s in line.split(":", 1))
        if k in ("CPU family", "Model", "Hypervisor vendor", "Thread(s) per core"):
            keep[k] = v
    flags = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    f = line.split(":", 1)[1].split()
                    flags = "+".join(x for x in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if x in f)
                    break
    except OSError:
        pass
    parts = [f"{k} {v}" for k, v in keep.items()]
    if flags:
        parts.append(flags)
    return ", ".join(parts)


def _ram_gib() -> str:
    try:
        import psutil  # type: ignore

        return f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except Exception:
        pass
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "?"


def _usable_cores() -> str:
    logical = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = logical
    quota = ""
    try:
        with open("/sys/fs/cgroup/cpu.max") as fh:
            q, p = fh.read().split()
            if q != "max":
                quota = f", cgroup quota {int(q) / int(p):.1f} CPUs"
    except Exception:
        pass
    return f"{usable} usable / {logical} logical{quota}"


def _version(mod: str) -> str:
    try:
        m = importlib.import_module(mod)
    except Exception as exc:  # noqa: BLE001
        return f"not importable ({type(exc).__name__})"
    return getattr(m, "__version__", "?")


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info  # type: ignore

        infos = threadpool_info()
        return ", ".join(
            f"{i.get('internal_api')} {i.get('version') or ''} ({i.get('num_threads')} thr)".replace("  ", " ")
            for i in infos
        ) or "?"
    except Exception:
        return "?"


def machine_info(modules=("numpy", "sklearn", "keras", "tensorflow", "jax", "scikeras", "skdeep")) -> dict:
    """Describe the machine.  Only call after the frameworks were imported
    (importing tensorflow/jax here would otherwise pull them in)."""
    info = {
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "host OS": f"{platform.system()} {platform.release()}",
        "CPU": _cpu_model(),
        "CPU details": _cpu_extra(),
        "cores": _usable_cores(),
        "RAM": _ram_gib(),
        "python": sys.version.split()[0],
        "BLAS (numpy/sklearn)": _blas(),
    }
    for m in modules:
        info[m] = _version(m)
    return info


def gpu_info() -> str:
    try:
        out = subprocess.check_output(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            text=True,
            stderr=subprocess.DEVNULL,
        )
        return "; ".join(line.strip() for line in out.strip().splitlines())
    except Exception:
        return "none / nvidia-smi not available"


# ----------------------------------------------------------------------------
# timing + stats
# ----------------------------------------------------------------------------


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.t0
        return False


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_time(s) -> str:
    if s is None:
        return "n/a"
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def fmt_num(x, digits=4) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def fmt_ratio(num, den) -> str:
    if num is None or den is None or den <= 0:
        return "n/a"
    r = num / den
    if r >= 100:
        return f"{r:.0f}x"
    if r >= 0.1:
        return f"{r:.2f}x"
    return f"{r:.2g}x"


def md_table(headers, rows) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)


def print_table(headers, rows) -> None:
    cols = list(zip(*([headers] + [[str(c) for c in r] for r in rows]))) if rows else [[h] for h in headers]
    widths = [max(len(str(c)) for c in col) for col in cols]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
