"""GPU inventory through NVML (nvidia-ml-py), shown before a deployment is placed."""

from __future__ import annotations

from typing import Any

NO_GPU = "no NVIDIA GPU found on this machine"


def inventory() -> dict[str, Any]:
    """``{"gpus": [{index, name, memory_total_mib, memory_used_mib, memory_free_mib}], "message"?}``."""
    try:
        import pynvml
    except ImportError:
        return {"gpus": [], "message": f"{NO_GPU} (nvidia-ml-py is not installed)"}
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return {"gpus": [], "message": f"{NO_GPU} (NVML: {exc})"}
    try:
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            name = pynvml.nvmlDeviceGetName(handle)
            gpus.append({"index": index, "name": name.decode() if isinstance(name, bytes) else name,
                         "memory_total_mib": memory.total // 2**20, "memory_used_mib": memory.used // 2**20,
                         "memory_free_mib": memory.free // 2**20})
    finally:
        pynvml.nvmlShutdown()
    return {"gpus": gpus} if gpus else {"gpus": [], "message": NO_GPU}
