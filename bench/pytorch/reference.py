"""Runs the PyTorch port of an Epochal network for `bench/pytorch-reference.ts`.

  python reference.py parity --net NET.json --weights MODEL_DIR --inputs IN.json --out OUT.bin
      loads an Epochal export, runs the inputs in inference mode, writes the output (float32)
  python reference.py parity-state-dict --net NET.json --state-dict MODEL.safetensors --inputs IN.json --out OUT.bin
      the same from an export's model.safetensors (Epochal's PyTorch convention: names and layouts as PyTorch's)
  python reference.py write-state-dict --net NET.json --layout epochal-torch-1|sleepnet-torch --seed S --inputs IN.json
                      --weights-out W.safetensors --out OUT.bin
      randomises the port's weights, writes them as a state_dict in that layout and the port's outputs on the inputs
  python reference.py time --net NET.json --phase train|infer --nights N --epochs T --steps S --threads K
      times S steps after one warm-up on seeded random inputs; prints one JSON line
      (seconds per step, epochs per second, peak RSS)

Only the benchmark needs PyTorch (`pip install torch numpy`); `npm test` never does.
"""
import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from sleepnet_torch import Net, load_epochal_weights  # noqa: E402
from state_dicts import load_convention_state_dict, randomise, state_dict  # noqa: E402


def read_inputs(path):
    spec = json.loads(Path(path).read_text())
    return [torch.from_numpy(np.fromfile(item['file'], dtype='<f4').reshape(item['shape'])) for item in spec]


def parity(args):
    net = json.loads(Path(args.net).read_text())
    model = Net(net).eval()
    loaded = load_epochal_weights(model, args.weights)
    with torch.no_grad():
        out = model(*read_inputs(args.inputs))
    out.numpy().astype('<f4').tofile(args.out)
    print(json.dumps({'loaded': len(loaded), 'parameters': sum(p.numel() for p in model.parameters()), 'shape': list(out.shape)}))


def parity_state_dict(args):
    from safetensors.numpy import load_file
    net = json.loads(Path(args.net).read_text())
    model = Net(net).eval()
    loaded = load_convention_state_dict(model, load_file(args.state_dict))
    with torch.no_grad():
        out = model(*read_inputs(args.inputs))
    out.numpy().astype('<f4').tofile(args.out)
    print(json.dumps({'loaded': loaded, 'shape': list(out.shape)}))


def write_state_dict(args):
    from safetensors.numpy import save_file
    torch.manual_seed(args.seed)
    net = json.loads(Path(args.net).read_text())
    model = Net(net).eval()
    randomise(model, args.seed)
    with torch.no_grad():
        out = model(*read_inputs(args.inputs))
    out.numpy().astype('<f4').tofile(args.out)
    tensors = state_dict(model, net, args.layout)
    save_file(tensors, args.weights_out, metadata={'format': 'pt', 'written_by': 'bench/pytorch/reference.py'})
    print(json.dumps({'tensors': len(tensors), 'shape': list(out.shape)}))


def batch_for(net, nights, epochs, seed):
    generator = torch.Generator().manual_seed(seed)
    inputs = []
    for name, spec in net['inputs'].items():
        shape = [nights, epochs, *spec['shape'][1:]]
        inputs.append(torch.ones(nights, epochs) if len(shape) == 2 else torch.randn(*shape, generator=generator))
    labels = torch.randint(0, 5, (nights, epochs), generator=generator)
    return inputs, labels


def time_steps(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = json.loads(Path(args.net).read_text())
    model = Net(net)
    inputs, labels = batch_for(net, args.nights, args.epochs, 1)
    if args.phase == 'train':
        model.train()
        model.set_logits(True)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

        def step():
            optimizer.zero_grad(set_to_none=True)
            logits = model(*inputs)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-1)
            loss.backward()
            optimizer.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(*inputs)

    step()  # warm-up
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = (time.perf_counter() - started) / args.steps
    print(json.dumps({
        'secondsPerStep': seconds,
        'epochsPerSecond': args.nights * args.epochs / seconds,
        'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        'threads': torch.get_num_threads(),
        'parameters': sum(p.numel() for p in model.parameters()),
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('parity')
    p.add_argument('--net', required=True)
    p.add_argument('--weights', required=True)
    p.add_argument('--inputs', required=True)
    p.add_argument('--out', required=True)
    s = sub.add_parser('parity-state-dict')
    s.add_argument('--net', required=True)
    s.add_argument('--state-dict', required=True)
    s.add_argument('--inputs', required=True)
    s.add_argument('--out', required=True)
    w = sub.add_parser('write-state-dict')
    w.add_argument('--net', required=True)
    w.add_argument('--layout', choices=['epochal-torch-1', 'sleepnet-torch'], required=True)
    w.add_argument('--seed', type=int, default=0)
    w.add_argument('--inputs', required=True)
    w.add_argument('--weights-out', required=True)
    w.add_argument('--out', required=True)
    t = sub.add_parser('time')
    t.add_argument('--net', required=True)
    t.add_argument('--phase', choices=['train', 'infer'], required=True)
    t.add_argument('--nights', type=int, required=True)
    t.add_argument('--epochs', type=int, required=True)
    t.add_argument('--steps', type=int, default=3)
    t.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    commands = {'parity': parity, 'parity-state-dict': parity_state_dict, 'write-state-dict': write_state_dict, 'time': time_steps}
    commands[args.command](args)


if __name__ == '__main__':
    main()
