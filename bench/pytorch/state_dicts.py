"""PyTorch state_dicts of the port's weights, in the two layouts Epochal imports and exports.

- Epochal's convention (`epochal-torch-1`, what every export's model.safetensors holds):
  the Epochal weight path joined by dots, variables named as torch.nn names them.
- The original SleepNet's module layout (`sleepnet-torch`): one module per block named as
  the block, Sequentials indexed as PyTorch indexes them, the TCN's temporal blocks with
  conv1 / conv2 / downsample, written here with weight normalisation as the reference TCN
  trains them (weight_g, weight_v) and registered twice as that TCN does (its `net`
  Sequential: net.0, net.4), batch norms as torch.nn's with epsilon 1e-5 (the running
  variance written for that epsilon).

Both are written independently of Epochal's TypeScript (from the documented layouts), so
a round trip through them checks Epochal's import and export against PyTorch.
"""
from __future__ import annotations

import numpy as np
import torch

VARIABLES = {'kernel': 'weight', 'gamma': 'weight', 'beta': 'bias', 'moving_mean': 'running_mean', 'moving_variance': 'running_var'}


def convention_name(name: str) -> str:
    """`tcn/block_0/conv_0/kernel` -> `tcn.block_0.conv_0.weight`."""
    *path, variable = name.split('/')
    return '.'.join([*path, VARIABLES.get(variable, variable)])


def load_convention_state_dict(model, tensors: dict) -> int:
    """Copies a state_dict by Epochal's convention (PyTorch layouts, no transposes) into the port; every weight must be there."""
    ours = model.named_epochal_weights()
    expected = {convention_name(name): tensor for name, (tensor, _) in ours.items()}
    unexpected = sorted(set(tensors) - set(expected))
    missing = sorted(set(expected) - set(tensors))
    if unexpected or missing:
        raise KeyError(f'state_dict does not fit the port: unexpected {unexpected[:5]}, missing {missing[:5]}')
    with torch.no_grad():
        for name, tensor in expected.items():
            value = torch.from_numpy(np.ascontiguousarray(tensors[name]))
            if tuple(value.shape) != tuple(tensor.shape):
                raise ValueError(f'{name}: shape {tuple(value.shape)} where the port has {tuple(tensor.shape)}')
            tensor.copy_(value)
    return len(expected)


def sleepnet_torch_names(net: dict) -> dict:
    """Epochal weight name -> the original SleepNet's state_dict name, for every weight the port has."""
    names = {}

    def blocks_of(blocks: dict, prefix: str):
        for name, block in blocks.items():
            if block['type'] == 'timeDistributed':
                yield from blocks_of(block['blocks'], f'{prefix}{name}/')
            else:
                yield name, f'{prefix}{name}', block

    found = list(blocks_of(net['blocks'], ''))
    leaves = [name for name, _, _ in found]
    for leaf, path, block in found:
        module = leaf if leaves.count(leaf) == 1 else path.replace('/', '.')
        kind = block['type']

        def linear(prefix, layer, bias=True):
            names[f'{layer}/kernel'] = f'{prefix}.weight'
            if bias:
                names[f'{layer}/bias'] = f'{prefix}.bias'

        def batch_norm(prefix, layer):
            for ours, theirs in [('gamma', 'weight'), ('beta', 'bias'), ('moving_mean', 'running_mean'), ('moving_variance', 'running_var')]:
                names[f'{layer}/{ours}'] = f'{prefix}.{theirs}'

        if kind == 'conv1dStack':
            index = 0
            for i, layer in enumerate(block['layers']):
                for step in block['preConv']:  # one module per declared step: BatchNorm1d, activation, Dropout
                    if step == 'batchNorm':
                        batch_norm(f'{module}.network.{index}', f'{path}/bn_{i}')
                    index += 1
                linear(f'{module}.network.{index}', f'{path}/conv_{i}')
                index += 1 + (1 if layer.get('poolSize') else 0)
        elif kind == 'dense':
            if block['batchNorm']:
                linear(f'{module}.network.0', f'{path}/dense', block['useBias'])
                batch_norm(f'{module}.network.1', f'{path}/bn')
            else:
                linear(module, f'{path}/dense', block['useBias'])
        elif kind == 'residualDenseStack':
            index, last = 0, len(block['units']) - 1
            for i in range(len(block['units'])):
                linear(f'{module}.network.{index}', f'{path}/dense_{i}')
                index += 1
                if block['batchNorm']:
                    batch_norm(f'{module}.network.{index}', f'{path}/bn_{i}')
                    index += 1
                if i < last:
                    index += 2  # activation, Dropout (whatever its rate)
            names[f'{path}/downsample/kernel'] = f'{module}.downsample.weight'
        elif kind == 'tcn':
            for i in range(len(block['channels'])):
                linear(f'{module}.network.{i}.conv1', f'{path}/block_{i}/conv_0')
                linear(f'{module}.network.{i}.conv2', f'{path}/block_{i}/conv_1')
                linear(f'{module}.network.{i}.downsample', f'{path}/block_{i}/downsample')
        elif kind == 'head':
            linear(module, f'{path}/dense')
    return names


def state_dict(model, net: dict, layout: str) -> dict:
    """The port's weights as a state_dict (numpy, PyTorch layouts) in `layout`: 'epochal-torch-1' or 'sleepnet-torch'."""
    ours = model.named_epochal_weights()
    if layout == 'epochal-torch-1':
        return {convention_name(name): tensor.detach().numpy().copy() for name, (tensor, _) in ours.items()}
    names = sleepnet_torch_names(net)
    out = {}
    for name, (tensor, _) in ours.items():
        value = tensor.detach().numpy().copy()
        theirs = names[name]
        if '.network.' in theirs and theirs.split('.')[0] in tcn_modules(net) and theirs.endswith(('conv1.weight', 'conv2.weight')):
            # Weight normalisation as the reference TCN stores it: weight = g * v / ||v|| (norm over all axes but the first).
            v = value * np.float32(1.7)
            g = np.linalg.norm(value.reshape(value.shape[0], -1), axis=1).astype(np.float32).reshape(-1, 1, 1)
            out[theirs[: -len('weight')] + 'weight_g'] = g
            out[theirs[: -len('weight')] + 'weight_v'] = v
            # The reference TemporalBlock's `net` Sequential holds conv1 and conv2 again: net.0 and net.4.
            again = theirs.replace('.conv1.', '.net.0.').replace('.conv2.', '.net.4.')[: -len('weight')]
            out[again + 'weight_g'], out[again + 'weight_v'] = g, v
        elif theirs.endswith('running_var'):
            # The port normalises with Keras's epsilon 1e-3; a torch.nn BatchNorm1d (1e-5) needs this variance to do the same.
            out[theirs] = value + np.float32(1e-3 - 1e-5)
        else:
            out[theirs] = value
            if theirs.split('.')[0] in tcn_modules(net) and theirs.endswith(('conv1.bias', 'conv2.bias')):
                out[theirs.replace('.conv1.', '.net.0.').replace('.conv2.', '.net.4.')] = value
        if theirs.endswith('running_var'):
            out[theirs[: -len('running_var')] + 'num_batches_tracked'] = np.array(7, dtype=np.int64)
    return out


def tcn_modules(net: dict) -> set:
    return {name for name, block in net['blocks'].items() if block['type'] == 'tcn'}


def randomise(model, seed: int) -> None:
    """Weights and batch-norm statistics far from their initial values, so every one of them shows in the outputs."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, (tensor, _) in model.named_epochal_weights().items():
            noise = torch.randn(tensor.shape, generator=generator) * 0.1
            if name.endswith('moving_variance'):
                tensor.copy_(1 + noise.abs())
            elif name.endswith('gamma'):
                tensor.copy_(1 + noise)
            else:
                tensor.add_(noise)
