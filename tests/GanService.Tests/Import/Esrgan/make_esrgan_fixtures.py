"""Writes the ESRGAN import fixtures: small RRDBNets with fixed random weights in the two key layouts `gan import
esrgan` reads, each with a fixed input and the network's output.

The network is written here from the ESRGAN paper's description (Wang et al. 2018, section 3.1 and figure 4) with the
names of BasicSR's RRDBNet state dict (which Real-ESRGAN keeps) and, for `esrgan_x4_original.pth`, the original ESRGAN
repository's names. Outputs are computed in float64 (no oneDNN f32 kernels involved) and stored as float32.

    python3 make_esrgan_fixtures.py     # Debian's python3-torch; writes next to this file
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class DenseBlock(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)

    def forward(self, x):
        feats = [x]
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            feats.append(F.leaky_relu(conv(torch.cat(feats, 1)), 0.2))
        return self.conv5(torch.cat(feats, 1)) * 0.2 + x


class Rrdb(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.rdb1, self.rdb2, self.rdb3 = DenseBlock(nf, gc), DenseBlock(nf, gc), DenseBlock(nf, gc)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RrdbNet(nn.Module):
    def __init__(self, channels, scale, nf, nb, gc):
        super().__init__()
        self.unshuffle = 4 // scale
        self.conv_first = nn.Conv2d(channels * self.unshuffle ** 2, nf, 3, 1, 1)
        self.body = nn.Sequential(*[Rrdb(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, channels, 3, 1, 1)

    def forward(self, x):
        if self.unshuffle > 1:
            x = F.pixel_unshuffle(x, self.unshuffle)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        feat = F.leaky_relu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))


def original_names(state):
    """BasicSR names -> the original ESRGAN repository's (RRDB_trunk, RDB1…3, trunk_conv, upconv1/2, HRconv)."""
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "body":
            key = ".".join(["RRDB_trunk", parts[1], parts[2].upper()] + parts[3:])
        else:
            key = {"conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2", "conv_hr": "HRconv"}.get(parts[0], parts[0]) \
                + "." + ".".join(parts[1:])
        out[key] = value
    return out


def make(name, scale, nf, nb, gc, wrap, legacy, seed, size=(12, 8)):
    torch.manual_seed(seed)
    net = RrdbNet(3, scale, nf, nb, gc)
    # Default init gives outputs near zero; spread the weights so the parity check sees real values.
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(1.5)
    state = net.state_dict()
    if wrap == "original":
        saved = original_names(state)
    elif wrap == "params_ema":
        # As Real-ESRGAN's released files: the EMA weights (used) beside the training weights (not used).
        noisy = {k: v + 0.01 * torch.randn_like(v) for k, v in state.items()}
        saved = {"params_ema": state, "params": noisy}
    elif wrap == "params":
        saved = {"params": state}
    else:
        saved = state
    torch.save(saved, os.path.join(HERE, name + ".pth"), _use_new_zipfile_serialization=not legacy)
    h, w = size
    x = torch.rand(1, 3, h * (4 // scale), w * (4 // scale), generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        y = net.double()(x.double()).float()
    np.save(os.path.join(HERE, name + "_in.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(HERE, name + "_out.npy"), y.numpy().astype(np.float32))
    return {"file": name + ".pth", "scale": scale, "nf": nf, "nb": nb, "gc": gc, "wrapper": wrap, "legacy": legacy,
            "input": list(x.shape), "output": list(y.shape), "params": sum(p.numel() for p in net.parameters())}


if __name__ == "__main__":
    torch.backends.mkldnn.enabled = False
    meta = [
        make("realesrgan_x4plus_like", 4, 8, 2, 8, "params_ema", False, 1),
        make("realesrgan_x2plus_like", 2, 8, 1, 8, "params", False, 2),
        make("esrgan_x4_original", 4, 8, 1, 8, "original", True, 3),
        make("basicsr_x1_bare", 1, 8, 1, 8, "bare", False, 4),
    ]
    with open(os.path.join(HERE, "fixtures.json"), "w") as f:
        json.dump({"torch": torch.__version__, "fixtures": meta}, f, indent=1)
