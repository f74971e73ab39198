"""Reference values for TorchFileTests, computed by PyTorch itself (Debian python3-torch 1.13), not by our reader.

    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 tests/GanService.Tests/Import/make_torch_reference.py

First writes TorchSaved/: small files saved by torch.save itself for what the peer fixtures do not cover (views and
shared storages, every storage dtype, nn.Parameter, whole modules pickled by class, pickle protocol 4), each in the zip
and the legacy format. Then, for every checkpoint under PeerFixtures/ and TorchSaved/ and every tensor in it: shape,
dtype, the float64 sum, the sum of absolute values, and every element (first and last only above 64 elements), C order. NVlabs snapshots need stylegan2-ada's own modules to unpickle;
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
SAVED = os.path.join(HERE, "TorchSaved")


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
        if 0 < f.numel() <= 64:
            rows[k]["values"] = [float(x) for x in f]
    return rows


def write_torch_saved():
    torch.manual_seed(0)
    base = torch.arange(24, dtype=torch.float32) - 7.5
    grid = base.view(4, 6)
    views = collections.OrderedDict(
        base=base,
        transposed=grid.t(),                     # strides (1, 6)
        narrow=base[5:11],                       # storage offset 5
        every_other=grid[:, ::2],                # strides (6, 2)
        column=grid[:, 3],                       # offset 3, stride 6
        expanded=torch.tensor([1.0, -2.0, 3.0])[:, None].expand(3, 4),  # stride 0
        scalar=torch.tensor(2.5),
        empty=torch.zeros(0, 3),
    )
    dtypes = collections.OrderedDict(
        f16=torch.randn(2, 3).half(), bf16=torch.randn(5).bfloat16(), f64=torch.randn(3, 2, dtype=torch.float64),
        i64=torch.tensor([-3, 0, 2**40]), i32=torch.tensor([7, -8], dtype=torch.int32),
        i16=torch.tensor([300, -300], dtype=torch.int16), i8=torch.tensor([-128, 127], dtype=torch.int8),
        u8=torch.tensor([0, 255], dtype=torch.uint8), b=torch.tensor([True, False, True]),
        f16_transposed=torch.randn(3, 4).half().t(),
    )
    params = {"w": torch.nn.Parameter(torch.randn(3, 2)), "b": torch.nn.Parameter(torch.randn(3), requires_grad=False),
              "nested": {"deep": {"t": torch.randn(2)}}, "step": 7, "name": "x"}
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.LeakyReLU(0.2),
                                 torch.nn.Sequential(torch.nn.Linear(4, 3, bias=False)))
    module[1].running_mean.uniform_()
    os.makedirs(SAVED, exist_ok=True)
    for stem, obj in [("views", views), ("dtypes", dtypes), ("params", params), ("module", module)]:
        torch.save(obj, os.path.join(SAVED, stem + ".pt"))
        torch.save(obj, os.path.join(SAVED, stem + "_legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(views, os.path.join(SAVED, "views_protocol4.pt"), pickle_protocol=4)
    torch.save(views, os.path.join(SAVED, "views_legacy_protocol4.pt"), pickle_protocol=4,
               _use_new_zipfile_serialization=False)


def main():
    write_torch_saved()
    result = collections.OrderedDict()
    for root, folder in [(FIXTURES, f) for f in sorted(os.listdir(FIXTURES))] + [(HERE, "TorchSaved")]:
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            file = os.path.join(path, name)
            if name.startswith("module"):
                entry = {"module": describe(torch.load(file).state_dict())}
            elif name.endswith(".pkl"):
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
