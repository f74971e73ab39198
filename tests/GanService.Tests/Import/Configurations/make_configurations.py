"""Writes small checkpoints in the junyanz / yunjey key layouts for configurations the peer fixtures do not cover.

Run with Debian's python3-torch 1.13 (never a project dependency):  /usr/bin/python3 make_configurations.py
The modules below are minimal definitions written from the published architectures (layer order, kernel sizes,
where norms and biases sit); they produce the same state-dict keys and shapes as the reference networks. Each
configuration is saved as a state dict (zip or legacy torch.save format), with a fixed input and the output of
the same module, and configurations.json says what an importer must infer from it.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def norm(kind, c):
    return {
        "batch": lambda: nn.BatchNorm2d(c),
        "batch_noaffine": lambda: nn.BatchNorm2d(c, affine=False),
        "instance": lambda: nn.InstanceNorm2d(c),
        "instance_affine": lambda: nn.InstanceNorm2d(c, affine=True),
        "none": lambda: nn.Identity(),
    }[kind]()


def bias_for(kind):
    # junyanz: a conv carries a bias only when followed by InstanceNorm (its BatchNorm has a shift; "none" has neither)
    return kind in ("instance", "instance_affine")


class ResBlock(nn.Module):
    def __init__(self, d, kind, dropout):
        super().__init__()
        b = bias_for(kind)
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(d, d, 3, bias=b), norm(kind, d), nn.ReLU(True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(d, d, 3, bias=b), norm(kind, d)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetG(nn.Module):
    def __init__(self, cin, cout, ngf, kind, blocks, dropout):
        super().__init__()
        b = bias_for(kind)
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(cin, ngf, 7, bias=b), norm(kind, ngf), nn.ReLU(True)]
        for i in range(2):
            m = 2 ** i
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, 2, 1, bias=b), norm(kind, ngf * m * 2), nn.ReLU(True)]
        layers += [ResBlock(ngf * 4, kind, dropout) for _ in range(blocks)]
        for i in range(2):
            m = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, 2, 1, output_padding=1, bias=b), norm(kind, ngf * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, cout, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UnetLevel(nn.Module):
    def __init__(self, outer, inner, cin=None, sub=None, where="middle", kind="batch", dropout=False):
        super().__init__()
        self.outermost = where == "outer"
        b = bias_for(kind)
        cin = outer if cin is None else cin
        down = nn.Conv2d(cin, inner, 4, 2, 1, bias=b)
        if where == "outer":
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif where == "inner":
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=b), norm(kind, outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, norm(kind, inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=b), norm(kind, outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        # the in-place LeakyReLU at the head of self.model rewrites x before it is concatenated
        return torch.cat([x, self.model(x)], 1)


class UnetG(nn.Module):
    def __init__(self, cin, cout, downs, ngf, kind, dropout):
        super().__init__()
        blk = UnetLevel(ngf * 8, ngf * 8, where="inner", kind=kind)
        for _ in range(downs - 5):
            blk = UnetLevel(ngf * 8, ngf * 8, sub=blk, kind=kind, dropout=dropout)
        blk = UnetLevel(ngf * 4, ngf * 8, sub=blk, kind=kind)
        blk = UnetLevel(ngf * 2, ngf * 4, sub=blk, kind=kind)
        blk = UnetLevel(ngf, ngf * 2, sub=blk, kind=kind)
        self.model = UnetLevel(cout, ngf, cin=cin, sub=blk, where="outer", kind=kind)

    def forward(self, x):
        return self.model(x)


class NLayerD(nn.Module):
    def __init__(self, cin, ndf, n_layers, kind):
        super().__init__()
        b = bias_for(kind)
        layers = [nn.Conv2d(cin, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=b), norm(kind, ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=b), norm(kind, ndf * mult), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def star_in(c):
    return nn.InstanceNorm2d(c, affine=True, track_running_stats=True)


class StarBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(d, d, 3, 1, 1, bias=False), star_in(d), nn.ReLU(True),
                                  nn.Conv2d(d, d, 3, 1, 1, bias=False), star_in(d))

    def forward(self, x):
        return x + self.main(x)


class StarG(nn.Module):
    def __init__(self, conv_dim, c_dim, repeat, channels=3):
        super().__init__()
        layers = [nn.Conv2d(channels + c_dim, conv_dim, 7, 1, 3, bias=False), star_in(conv_dim), nn.ReLU(True)]
        d = conv_dim
        for _ in range(2):
            layers += [nn.Conv2d(d, d * 2, 4, 2, 1, bias=False), star_in(d * 2), nn.ReLU(True)]
            d *= 2
        layers += [StarBlock(d) for _ in range(repeat)]
        for _ in range(2):
            layers += [nn.ConvTranspose2d(d, d // 2, 4, 2, 1, bias=False), star_in(d // 2), nn.ReLU(True)]
            d //= 2
        layers += [nn.Conv2d(d, channels, 7, 1, 3, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x, c):
        c = c.view(c.size(0), c.size(1), 1, 1).repeat(1, 1, x.size(2), x.size(3))
        return self.main(torch.cat([x, c], 1))


def randomise(net, seed):
    """Non-trivial norm affines and (via train passes) running statistics, so a wrong mapping cannot pass."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) and m.affine:
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) - 0.5)


def primed(seed, build, example):
    """Seeded random weights, then three train-mode passes so BatchNorm running statistics move away from 0/1."""
    torch.manual_seed(seed)
    net = build()
    randomise(net, seed)
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(*example())
    return net


def save(net, name, legacy):
    path = os.path.join(HERE, name)
    if legacy:
        torch.save(net.state_dict(), path, _use_new_zipfile_serialization=False)
    else:
        torch.save(net.state_dict(), path)


def npy(name, t):
    np.save(os.path.join(HERE, name), t.detach().numpy().astype("<f4"))


def main():
    configs = []

    def junyanz_g(name, legacy, expect, build, size, batch=2, outputs=True, instance_output=False):
        seed = len(configs) + 10
        cin = expect["inputChannels"]
        net = primed(seed, build, lambda: (torch.randn(4, cin, size, size) * 0.8 + 0.1,))
        save(net, name, legacy)
        entry = {"file": name, "kind": "generator", "format": "legacy" if legacy else "zip", "size": size, "expect": expect}
        if outputs:
            x = torch.rand(batch, cin, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1
            stem = os.path.splitext(name)[0]
            npy(stem + ".in.npy", x)
            net.eval()
            with torch.no_grad():
                npy(stem + ".out.npy", net(x))
            entry["input"], entry["output"] = stem + ".in.npy", stem + ".out.npy"
            if instance_output:
                # junyanz test.py without --eval on one image: BatchNorm on the image's own statistics; Dropout
                # switched off here so the output is deterministic (what --bn-stats instance reproduces).
                net.train()
                for m in net.modules():
                    if isinstance(m, nn.Dropout):
                        m.eval()
                with torch.no_grad():
                    npy(stem + ".out_instance.npy", net(x[:1]))
                entry["outputInstance"] = stem + ".out_instance.npy"
        configs.append(entry)

    def rg(cin, cout, ngf, kind, blocks, dropout):
        return {"kind": "resnet", "inputChannels": cin, "outputChannels": cout, "ngf": ngf, "depth": blocks, "norm": kind,
                "convBias": bias_for(kind), "dropout": dropout}

    def ug(cin, cout, ngf, kind, downs):
        return {"kind": "unet", "inputChannels": cin, "outputChannels": cout, "ngf": ngf, "depth": downs, "norm": kind,
                "convBias": bias_for(kind), "dropout": False}

    junyanz_g("resnet_ngf2_3blocks_instance.pth", False, rg(3, 3, 2, "instance", 3, False), lambda: ResnetG(3, 3, 2, "instance", 3, False), 16)
    junyanz_g("resnet_ngf3_2blocks_batch_dropout.pth", True, rg(3, 3, 3, "batch", 2, True), lambda: ResnetG(3, 3, 3, "batch", 2, True), 16)
    junyanz_g("resnet_grey_ngf3_1block_none.pth", False, rg(1, 1, 3, "none", 1, False), lambda: ResnetG(1, 1, 3, "none", 1, False), 16)
    junyanz_g("resnet_ngf2_2blocks_instance_affine.pth", True, rg(3, 3, 2, "instance_affine", 2, False), lambda: ResnetG(3, 3, 2, "instance_affine", 2, False), 16)
    junyanz_g("resnet_ngf3_0blocks_batch_noaffine.pth", False, rg(3, 3, 3, "batch_noaffine", 0, False), lambda: ResnetG(3, 3, 3, "batch_noaffine", 0, False), 16)
    junyanz_g("unet32_ngf1_batch.pth", False, ug(3, 3, 1, "batch", 5), lambda: UnetG(3, 3, 5, 1, "batch", True), 32, instance_output=True)
    junyanz_g("unet64_ngf1_instance.pth", True, ug(3, 3, 1, "instance", 6), lambda: UnetG(3, 3, 6, 1, "instance", True), 64, batch=1)
    junyanz_g("unet32_grey_ngf1_none.pth", False, ug(1, 1, 1, "none", 5), lambda: UnetG(1, 1, 5, 1, "none", False), 32)
    junyanz_g("unet32_ngf1_batch_noaffine.pth", True, ug(3, 3, 1, "batch_noaffine", 5), lambda: UnetG(3, 3, 5, 1, "batch_noaffine", True), 32, batch=1, instance_output=True)
    junyanz_g("unet128_ngf1_instance_affine.pth", False, ug(3, 3, 1, "instance_affine", 7), lambda: UnetG(3, 3, 7, 1, "instance_affine", True), 128, outputs=False)
    junyanz_g("unet512_ngf1_batch.pth", True, ug(3, 3, 1, "batch", 9), lambda: UnetG(3, 3, 9, 1, "batch", True), 512, batch=1, outputs=False)

    for name, legacy, cin, ndf, n_layers, kind, size in [("nlayerD_ndf4_2layers_instance.pth", False, 3, 4, 2, "instance", 32),
                                                          ("nlayerD_ndf3_0layers_batch.pth", True, 6, 3, 0, "batch", 32),
                                                          ("nlayerD_ndf2_4layers_batch.pth", False, 3, 2, 4, "batch", 64)]:
        seed = len(configs) + 10
        net = primed(seed, lambda: NLayerD(cin, ndf, n_layers, kind), lambda: (torch.randn(4, cin, size, size),))
        save(net, name, legacy)
        x = torch.rand(1, cin, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        stem = os.path.splitext(name)[0]
        npy(stem + ".in.npy", x)
        net.eval()
        with torch.no_grad():
            npy(stem + ".out.npy", net(x))
        configs.append({"file": name, "kind": "nlayer", "format": "legacy" if legacy else "zip", "size": size,
                        "input": stem + ".in.npy", "output": stem + ".out.npy",
                        "expect": {"inputChannels": cin, "ndf": ndf, "nLayers": n_layers, "norm": kind, "convBias": bias_for(kind)}})

    for name, legacy, conv_dim, c_dim, repeat, channels in [("stargan_conv2_c3_repeat2.ckpt", False, 2, 3, 2, 3),
                                                             ("stargan_conv3_c7_repeat1.ckpt", True, 3, 7, 1, 3),
                                                             ("stargan_grey_conv2_c2_repeat3.ckpt", False, 2, 2, 3, 1)]:
        seed = len(configs) + 10
        net = primed(seed, lambda: StarG(conv_dim, c_dim, repeat, channels),
                     lambda: (torch.randn(4, channels, 16, 16), torch.rand(4, c_dim).round()))
        save(net, name, legacy)
        gen = torch.Generator().manual_seed(seed)
        x = torch.rand(2, channels, 16, 16, generator=gen) * 2 - 1
        c = torch.rand(2, c_dim, generator=gen).round()
        stem = os.path.splitext(name)[0]
        npy(stem + ".in.npy", x)
        npy(stem + ".in_c.npy", c)
        net.train()  # the official solver's forward: per-instance statistics
        with torch.no_grad():
            npy(stem + ".out.npy", net(x, c))
        configs.append({"file": name, "kind": "stargan", "format": "legacy" if legacy else "zip", "size": 16,
                        "input": stem + ".in.npy", "inputLabels": stem + ".in_c.npy", "output": stem + ".out.npy",
                        "expect": {"convDim": conv_dim, "labelCount": c_dim, "repeatNum": repeat, "imageChannels": channels}})

    # Files an importer must refuse with one line naming the problem.
    invalid = []
    torch.manual_seed(99)
    sd = ResnetG(3, 3, 1, "instance", 1, False).state_dict()
    sd["model.3.weight"] = torch.zeros(4)  # model.3 is a ReLU: no such parameter in the reference network
    torch.save(sd, os.path.join(HERE, "invalid_extra_key.pth"))
    invalid.append({"file": "invalid_extra_key.pth", "family": "cyclegan", "error": "unexpected key 'model.3.weight'"})
    sd = StarG(2, 3, 1).state_dict()
    sd["main.3.weight"] = torch.zeros(4, 2, 3, 3)  # the first down conv is 4x4 in every StarGAN generator
    torch.save(sd, os.path.join(HERE, "invalid_shape.ckpt"), _use_new_zipfile_serialization=False)
    invalid.append({"file": "invalid_shape.ckpt", "family": "stargan", "error": "key 'main.3.weight' has shape [4, 2, 3, 3]"})

    with open(os.path.join(HERE, "configurations.json"), "w") as f:
        json.dump({"torch": torch.__version__, "configurations": configs, "invalid": invalid}, f, indent=1)


if __name__ == "__main__":
    main()
