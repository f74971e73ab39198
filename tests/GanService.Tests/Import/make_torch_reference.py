"""Reference values for TorchFileTests, computed by PyTorch itself (Debian python3-torch 1.13), not by our reader.

    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 tests/GanService.Tests/Import/make_torch_reference.py

For every checkpoint under PeerFixtures/ and every tensor in its state dict: shape, dtype, the float64 sum, the sum of
absolute values, and the first and last element (C order). NVlabs snapshots need stylegan2-ada's own modules to unpickle;
instead a restricted Unpickler maps its persistent objects to their state dicts (module_src is never executed) and the
state dict is walked as torch's Module.state_dict() does.
"""
import collections
import json
import os
import pickle

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "PeerFixtures")


class _EasyDict(dict):
    pass


def _persistent(meta):
    assert meta["type"] == "class"
    return {"__class__": meta["class_name"], **meta["state"]}


class _SnapshotUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch_utils.persistence", "_reconstruct_persistent_obj"):
            return _persistent
        if (module, name) == ("dnnlib.util", "EasyDict"):
            return _EasyDict
        if module.startswith(("torch", "collections", "numpy", "builtins", "_codecs")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def module_state_dict(state, prefix=""):
    out = collections.OrderedDict()
    for name, p in state["_parameters"].items():
        if p is not None:
            out[prefix + name] = p
    for name, b in state["_buffers"].items():
        if b is not None and name not in state.get("_non_persistent_buffers_set", set()):
            out[prefix + name] = b
    for name, m in state["_modules"].items():
        if m is not None:
            out.update(module_state_dict(m, prefix + name + "."))
    return out


def flatten(d, prefix=""):
    out = collections.OrderedDict()
    for k, v in d.items():
        if isinstance(v, torch.Tensor):
            out[prefix + k] = v
        elif isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
    return out


def describe(tensors):
    rows = collections.OrderedDict()
    for k, t in tensors.items():
        f = t.detach().to(torch.float64).contiguous().view(-1)
        rows[k] = {
            "shape": list(t.shape),
            "dtype": str(t.dtype).replace("torch.", ""),
            "sum": float(f.sum()) if f.numel() else 0.0,
            "abs_sum": float(f.abs().sum()) if f.numel() else 0.0,
            "first": float(f[0]) if f.numel() else None,
            "last": float(f[-1]) if f.numel() else None,
        }
    return rows


def main():
    result = collections.OrderedDict()
    for folder in sorted(os.listdir(FIXTURES)):
        path = os.path.join(FIXTURES, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            file = os.path.join(path, name)
            if name.endswith(".pkl"):
                with open(file, "rb") as f:
                    snap = _SnapshotUnpickler(f).load()
                entry = {"G_ema": describe(module_state_dict(snap["G_ema"])),
                         "G_ema._init_kwargs": json.loads(json.dumps(snap["G_ema"]["_init_kwargs"]))}
            elif name.endswith((".pth", ".pt", ".ckpt")):
                obj = torch.load(file, map_location="cpu")
                entry = {"flat": describe(flatten(obj))}
            else:
                continue
            result[f"{folder}/{name}"] = entry
    with open(os.path.join(HERE, "torch_reference.json"), "w") as f:
        json.dump({"torch": torch.__version__, "files": result}, f, indent=1)


if __name__ == "__main__":
    main()
