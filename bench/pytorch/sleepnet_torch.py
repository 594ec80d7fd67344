"""A PyTorch port of Epochal's networks, built from the same (resolved) net_params.json.

Every block type the SleepNet configs use is ported with the same maths as
Epochal's TensorFlow.js layers: TensorFlow's 'same' padding for strided and
dilated convolutions, Keras batch-norm constants (epsilon 1e-3, momentum
0.99), adaptive pools over the same windows, and flattening in channels-last
order. Weights load from an Epochal export (tfjs `model.json` + `weights.bin`)
by Epochal's hierarchical weight names, with layouts converted
(conv kernels [k, in, out] -> [out, in, k], dense kernels [in, out] -> [out, in]).

Tensors between blocks are channels-last, as in Epochal; conv stacks and
TCNs work channels-first inside (PyTorch's layout) and transpose once at
their edges.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

KERAS_BN = dict(eps=1e-3, momentum=0.01)  # Keras momentum 0.99 = PyTorch momentum 0.01


def activation(spec) -> nn.Module:
    if isinstance(spec, dict):
        return nn.LeakyReLU(spec.get('alpha', 0.3))
    return {
        'linear': nn.Identity(), 'relu': nn.ReLU(), 'relu6': nn.ReLU6(), 'leakyRelu': nn.LeakyReLU(0.3),
        'elu': nn.ELU(), 'selu': nn.SELU(), 'gelu': nn.GELU(), 'swish': nn.SiLU(), 'mish': nn.Mish(),
        'tanh': nn.Tanh(), 'sigmoid': nn.Sigmoid(), 'softplus': nn.Softplus(), 'softsign': nn.Softsign(),
        'softmax': nn.Softmax(dim=-1),
    }[spec]


class Conv1d(nn.Module):
    """A channels-first 1-D convolution with TensorFlow's padding rules (same / valid / causal), any stride and dilation."""

    def __init__(self, name, in_channels, filters, kernel_size, stride=1, dilation=1, padding='same', bias=True):
        super().__init__()
        self.name, self.stride, self.dilation, self.kernel_size, self.padding = name, stride, dilation, kernel_size, padding
        self.conv = nn.Conv1d(in_channels, filters, kernel_size, stride=stride, dilation=dilation, bias=bias)

    def forward(self, x):
        length = x.shape[-1]
        field = (self.kernel_size - 1) * self.dilation + 1
        if self.padding == 'valid':
            return self.conv(x)
        out = math.ceil(length / self.stride)
        total = max((out - 1) * self.stride + field - length, 0)
        left = total if self.padding == 'causal' else total // 2
        return self.conv(F.pad(x, (left, total - left)))

    def weights(self):
        return {f'{self.name}/kernel': (self.conv.weight, 'conv'), **({f'{self.name}/bias': (self.conv.bias, 'plain')} if self.conv.bias is not None else {})}


class BatchNorm(nn.Module):
    def __init__(self, name, channels, channels_first):
        super().__init__()
        self.name, self.channels_first = name, channels_first
        self.bn = nn.BatchNorm1d(channels, **KERAS_BN)

    def forward(self, x):
        if self.channels_first or x.dim() == 2:
            return self.bn(x)
        return self.bn(x.transpose(1, -1)).transpose(1, -1)

    def weights(self):
        n = self.name
        return {f'{n}/gamma': (self.bn.weight, 'plain'), f'{n}/beta': (self.bn.bias, 'plain'),
                f'{n}/moving_mean': (self.bn.running_mean, 'plain'), f'{n}/moving_variance': (self.bn.running_var, 'plain')}


class Dense(nn.Module):
    def __init__(self, name, in_features, units, bias=True):
        super().__init__()
        self.name = name
        self.linear = nn.Linear(in_features, units, bias=bias)

    def forward(self, x):
        return self.linear(x)

    def weights(self):
        return {f'{self.name}/kernel': (self.linear.weight, 'dense'), **({f'{self.name}/bias': (self.linear.bias, 'plain')} if self.linear.bias is not None else {})}


class Sequence(nn.Module):
    """Layers applied in order; collects their weights."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def collect_weights(module: nn.Module) -> dict:
    found = {}
    for child in module.modules():
        if child is not module and hasattr(child, 'weights') and callable(child.weights) and not isinstance(child, Net):
            found.update(child.weights())
    return found


class Conv1dStack(nn.Module):
    def __init__(self, path, block, in_channels):
        super().__init__()
        steps, channels = [], in_channels
        for i, layer in enumerate(block['layers']):
            for step in block['preConv']:
                if step == 'batchNorm':
                    steps.append(BatchNorm(f'{path}/bn_{i}', channels, channels_first=True))
                elif step == 'activation':
                    steps.append(activation(block['activation']))
                elif step == 'dropout' and block['dropout'] > 0:
                    steps.append(nn.Dropout(block['dropout']))
            steps.append(Conv1d(f'{path}/conv_{i}', channels, layer['filters'], layer['kernelSize'], layer['strides'], layer['dilation'], layer['padding']))
            if layer.get('poolSize'):
                steps.append(nn.MaxPool1d(layer['poolSize']))
            channels = layer['filters']
        self.body, self.out_channels = Sequence(steps), channels

    def forward(self, x):  # [N, L, C] -> [N, L', C']
        return self.body(x.transpose(1, 2)).transpose(1, 2)


class DenseLayer(nn.Module):
    """dense -> (batch norm) -> activation -> (dropout), as Epochal's denseLayer."""

    def __init__(self, path, suffix, in_features, units, act, batch_norm, dropout, bias=True):
        super().__init__()
        steps = [Dense(f'{path}/dense{suffix}', in_features, units, bias)]
        if batch_norm:
            steps.append(BatchNorm(f'{path}/bn{suffix}', units, channels_first=False))
        if act != 'linear':
            steps.append(activation(act))
        if dropout > 0:
            steps.append(nn.Dropout(dropout))
        self.body = Sequence(steps)

    def forward(self, x):
        return self.body(x)


class ResidualDenseStack(nn.Module):
    def __init__(self, path, block, in_features):
        super().__init__()
        layers, width = [], in_features
        for i, units in enumerate(block['units']):
            last = i == len(block['units']) - 1
            layers.append(DenseLayer(path, f'_{i}', width, units, 'linear' if last else block['activation'], block['batchNorm'], 0 if last else block['dropout']))
            width = units
        self.stack = Sequence(layers)
        project = block['projection'] == 'always' or in_features != width
        self.skip = Dense(f'{path}/downsample', in_features, width, bias=False) if project else nn.Identity()
        self.act = activation(block['activation'])
        self.dropout = nn.Dropout(block['dropout']) if block['dropout'] > 0 else nn.Identity()
        self.width = width

    def forward(self, x):
        return self.dropout(self.act(self.stack(x) + self.skip(x)))


class Tcn(nn.Module):
    def __init__(self, path, block, in_channels):
        super().__init__()
        self.levels = nn.ModuleList()
        channels = in_channels
        for i, out in enumerate(block['channels']):
            dilation = block['dilationBase'] ** i
            level = nn.Module()
            body = []
            for j, c_in in enumerate([channels, out]):
                body.append(Conv1d(f'{path}/block_{i}/conv_{j}', c_in, out, block['kernelSize'], 1, dilation, block['padding']))
                body.append(activation(block['activation']))
                if block['dropout'] > 0:
                    body.append(nn.Dropout(block['dropout']))
            level.body = Sequence(body)
            level.skip = Conv1d(f'{path}/block_{i}/downsample', channels, out, 1) if channels != out else nn.Identity()
            level.act = activation(block['activation'])
            self.levels.append(level)
            channels = out
        self.out_channels = channels

    def forward(self, x, mask=None):  # [N, T, C]; with a mask, padded steps are zeroed before every convolution
        x = x.transpose(1, 2)
        m = None if mask is None else mask[:, None, :].to(x.dtype)
        for level in self.levels:
            y = x
            for layer in level.body.layers:
                if m is not None and isinstance(layer, Conv1d):
                    y = y * m
                y = layer(y)
            x = level.act(y + level.skip(x))
        return x.transpose(1, 2)


class AdaptivePool(nn.Module):
    def __init__(self, mode, length):
        super().__init__()
        self.mode, self.length = mode, length

    def forward(self, x):  # [N, L, C]
        pool = F.adaptive_max_pool1d if self.mode == 'max' else F.adaptive_avg_pool1d
        return pool(x.transpose(1, 2), self.length).transpose(1, 2)


class Graph(nn.Module):
    """Named blocks on named sources, built in dependency order (like Epochal's buildGraph)."""

    def __init__(self, blocks: dict, source_shapes: dict, prefix: str):
        super().__init__()
        self.blocks, self.order, self.shapes = blocks, [], dict(source_shapes)
        self.mods = nn.ModuleDict()

        def resolve(name):
            if name in self.shapes:
                return self.shapes[name]
            block = blocks[name]
            for source in sources(block):
                resolve(source)
            module, shape = build_block(f'{prefix}{name}', block, [self.shapes[s] for s in sources(block)])
            self.mods[name] = module
            self.shapes[name] = shape
            self.order.append(name)
            return shape

        for name in blocks:
            resolve(name)

    def forward(self, values: dict):
        values = dict(values)
        for name in self.order:
            block = self.blocks[name]
            inputs = [values[s] for s in sources(block)]
            values[name] = self.mods[name](*inputs)
        return values


def sources(block):
    if 'inputs' in block:
        return block['inputs']
    if block['type'] == 'applyMask' or block.get('mask') is not None:
        return [block['input'], block['mask']]
    return [block['input']]


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


class TimeDistributed(nn.Module):
    def __init__(self, path, block, shape):
        super().__init__()
        self.graph = Graph(block['blocks'], {block['input']: shape[1:]}, f'{path}/')
        self.input, self.output = block['input'], block['output']
        self.out_shape = self.graph.shapes[self.output]

    def forward(self, x, mask=None):  # [N, T, ...] -> fold -> [N*T, ...]; with a mask, only the real steps
        n, t = x.shape[:2]
        flat = x.reshape(n * t, *x.shape[2:])
        if mask is None:
            y = self.graph({self.input: flat})[self.output]
            return y.reshape(n, t, *y.shape[1:])
        real = mask.reshape(-1) > 0
        y = self.graph({self.input: flat[real]})[self.output]
        out = y.new_zeros((n * t, *y.shape[1:]))
        out[real] = y
        return out.reshape(n, t, *y.shape[1:])


def build_block(path, block, shapes):
    """The module for `block` and its per-sample output shape (None for an unknown length)."""
    kind = block['type']
    shape = shapes[0]
    if kind == 'timeDistributed':
        module = TimeDistributed(path, block, shape)
        return module, [shape[0], *module.out_shape]
    if kind == 'reshape':
        target = list(block['targetShape'])
        return Lambda(lambda x: x.reshape(x.shape[0], *target)), target
    if kind == 'conv1dStack':
        module = Conv1dStack(path, block, shape[-1])
        length = shape[0]
        for layer in block['layers']:
            if length is not None:
                field = (layer['kernelSize'] - 1) * layer['dilation'] + 1
                length = length - field + 1 if layer['padding'] == 'valid' else length
                length = math.ceil(length / layer['strides']) if layer['padding'] != 'valid' else (length - 1) // layer['strides'] + 1
                if layer.get('poolSize'):
                    length //= layer['poolSize']
        return module, [length, module.out_channels]
    if kind == 'adaptivePool1d':
        return AdaptivePool(block['mode'], block['outputLength']), [block['outputLength'], shape[-1]]
    if kind == 'concat':
        axis = block['axis']
        assert axis == -1, 'the port concatenates on the feature axis only'
        return Lambda(lambda *xs: torch.cat(xs, dim=-1)), [*shape[:-1], sum(s[-1] for s in shapes)]
    if kind == 'flatten':
        return Lambda(lambda x: x.reshape(x.shape[0], -1)), [int(np.prod(shape))]
    if kind == 'dense':
        module = DenseLayer(path, '', shape[-1], block['units'], block['activation'], block['batchNorm'], block['dropout'], block['useBias'])
        return module, [*shape[:-1], block['units']]
    if kind == 'residualDenseStack':
        module = ResidualDenseStack(path, block, shape[-1])
        return module, [*shape[:-1], module.width]
    if kind == 'applyMask':
        return Lambda(lambda x, mask: x * mask.reshape(*mask.shape, *([1] * (x.dim() - mask.dim())))), shape
    if kind == 'tcn':
        module = Tcn(path, block, shape[-1])
        return module, [shape[0], module.out_channels]
    if kind == 'head':
        dense = Dense(f'{path}/dense', shape[-1], block['units'])
        return Head(dense, block['activation']), [*shape[:-1], block['units']]
    raise ValueError(f'The PyTorch port has no block type {kind!r}')


class Head(nn.Module):
    """The output layer; returns logits when `logits` is set (training uses cross-entropy on logits)."""

    def __init__(self, dense, act):
        super().__init__()
        self.dense, self.act, self.logits = dense, act, False

    def forward(self, x):
        y = self.dense(x)
        if self.logits or self.act == 'linear':
            return y
        return torch.softmax(y, -1) if self.act == 'softmax' else torch.sigmoid(y)


class Net(nn.Module):
    def __init__(self, net: dict):
        super().__init__()
        self.input_names = list(net['inputs'])
        self.outputs = net['outputs']
        self.graph = Graph(net['blocks'], {name: spec['shape'] for name, spec in net['inputs'].items()}, '')

    def forward(self, *inputs):
        values = self.graph(dict(zip(self.input_names, inputs)))
        return values[self.outputs[0]]

    def set_logits(self, on: bool):
        for module in self.modules():
            if isinstance(module, Head):
                module.logits = on

    def named_epochal_weights(self) -> dict:
        return collect_weights(self)


def load_epochal_weights(model: Net, folder: str | Path) -> list[str]:
    """Loads an Epochal export into `model`; returns the names loaded. Every weight must match by name and shape."""
    folder = Path(folder)
    manifest = json.loads((folder / 'model.json').read_text())
    data = b''.join((folder / p).read_bytes() for group in manifest['weightsManifest'] for p in group['paths'])
    specs = [w for group in manifest['weightsManifest'] for w in group['weights']]
    ours = model.named_epochal_weights()
    offset, loaded = 0, []
    for spec in specs:
        assert spec['dtype'] == 'float32', spec
        count = int(np.prod(spec['shape'])) if spec['shape'] else 1
        value = np.frombuffer(data, dtype='<f4', count=count, offset=offset).reshape(spec['shape'])
        offset += 4 * count
        if spec['name'] not in ours:
            raise KeyError(f"{spec['name']} is not a weight of the PyTorch port")
        tensor, layout = ours[spec['name']]
        if layout == 'conv':
            value = value.transpose(2, 1, 0)
        elif layout == 'dense':
            value = value.T
        if tuple(value.shape) != tuple(tensor.shape):
            raise ValueError(f"{spec['name']}: shape {value.shape} where the port has {tuple(tensor.shape)}")
        with torch.no_grad():
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(value)))
        loaded.append(spec['name'])
    missing = sorted(set(ours) - set(loaded))
    if missing:
        raise KeyError(f'weights missing from the export: {missing}')
    return loaded
