#!/usr/bin/python3
"""Times PyTorch's CPU pooling on the benchmark layers and compares it with `clpool bench`.

Runs `clpool bench --json` for clpool's median kernel times, then times torch.nn.functional on
the same layers (bench/standard_layers.txt or --layers FILE, parsed here with the same grammar),
the same batch, layouts and thread count, and prints torch time / clpool time per row (above 1
means clpool is faster) and their geometric mean. Forward rows time F.max_pool*d / avg_pool*d /
adaptive_*_pool*d (global rows: output size 1); forward+indices rows add return_indices; backward
rows time the ATen backward kernel that autograd dispatches for the forward (or, with
--backward autograd, the whole torch.autograd.grad call). --torch-device cuda times torch on its
CUDA device instead, from torch.profiler's device time of each call, to compare clpool on an
NVIDIA GPU with torch on the same GPU. Needs python3-torch; --self-test checks the layer parser
without it. Exit status: 0 success, 1 a failed clpool run or mismatched
rows, 2 bad usage, a bad layer list or no torch.
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
STANDARD_LAYERS = os.path.join(HERE, "standard_layers.txt")
DEFAULT_CLPOOL = "build/clpool"
WARMUP = 3  # clpool bench's warm-up runs, so both sides start equally warm
MAX_EXTENT = 1 << 28  # CLPOOL_MAX_EXTENT: the same bounds as clpool's parser
INT32_MAX = (1 << 31) - 1
MAX_NAME = 63
GRAMMAR = ("NAME MODE C SIZE KERNEL STRIDE PADDING [ceil], "
           "NAME MODE C SIZE adaptive O[,O...] or NAME MODE C SIZE global")
INSTALL_HINT = ("install it with `apt-get install python3-torch` (Debian/Ubuntu) and run this "
                "script with that interpreter, /usr/bin/python3")


# ---------------------------------------------------------------- layer list

class LayerError(ValueError):
    """A bad layer list; the message starts with SOURCE:LINE like clpool's."""


@dataclass(frozen=True)
class Layer:
    name: str
    mode: str  # "max" or "avg"
    channels: int
    size: Tuple[int, ...]  # spatial sizes, outermost first
    window: str  # "sliding", "adaptive" or "global"
    kernel: Optional[Tuple[int, ...]] = None
    stride: Optional[Tuple[int, ...]] = None
    padding: Optional[Tuple[int, ...]] = None
    ceil_mode: bool = False
    output_size: Optional[Tuple[int, ...]] = None  # adaptive and global

    @property
    def rank(self):
        return len(self.size)


def parse_ints(text, low, high=MAX_EXTENT):
    """Comma-separated integers in [low, high], as clpool reads them; None if malformed."""
    items = text.split(",")
    if len(items) > 3 or not all(re.fullmatch(r"-?[0-9]+", item) for item in items):
        return None
    values = tuple(int(item) for item in items)
    return values if all(low <= v <= high for v in values) else None


def parse_per_dim(text, low, rank):
    """V (every dimension) or exactly one value per dimension."""
    values = parse_ints(text, low)
    if values is None or len(values) not in (1, rank):
        return None
    return values * rank if len(values) == 1 else values


def parse_window(fields, rank, where):
    """The fields after SIZE, as Layer keyword arguments."""
    total = len(fields) + 4
    if fields[0] in ("global", "adaptive"):
        if len(fields) != (1 if fields[0] == "global" else 2):
            raise LayerError(f"{where}: expected {GRAMMAR}, got {total} fields")
        if fields[0] == "global":
            return {"window": "global", "output_size": (1,) * rank}
        output = parse_per_dim(fields[1], 1, rank)
        if output is None:
            raise LayerError(f"{where}: adaptive output size '{fields[1]}' is not one value or "
                             f"{rank} comma-separated values (>= 1) for this {rank}D layer")
        return {"window": "adaptive", "output_size": output}
    if len(fields) not in (3, 4):
        raise LayerError(f"{where}: expected {GRAMMAR}, got {total} fields")
    window = {"window": "sliding", "ceil_mode": len(fields) == 4}
    for key, text, low in zip(("kernel", "stride", "padding"), fields, (1, 1, 0)):
        window[key] = parse_per_dim(text, low, rank)
        if window[key] is None:
            raise LayerError(f"{where}: {key.upper()} '{text}' is not one value or {rank} "
                             f"comma-separated values (>= {low}) for this {rank}D layer")
    if len(fields) == 4 and fields[3] != "ceil":
        raise LayerError(f"{where}: unexpected '{fields[3]}' after PADDING: the only option "
                         "is ceil")
    return window


def parse_line(fields, where):
    """One layer from the whitespace-separated fields of a line."""
    if not 5 <= len(fields) <= 8:
        raise LayerError(f"{where}: expected {GRAMMAR}, got {len(fields)} fields")
    name, mode, channels, size = fields[:4]
    if len(name) > MAX_NAME:
        raise LayerError(f"{where}: name '{name}' is longer than {MAX_NAME} characters")
    if mode not in ("max", "avg"):
        raise LayerError(f"{where}: mode '{mode}' is not max or avg")
    c = parse_ints(channels, 1, INT32_MAX)
    if c is None or len(c) != 1:
        raise LayerError(f"{where}: C '{channels}' is not a positive integer")
    spatial = None if "," in size else parse_ints(size.replace("x", ","), 1)
    if spatial is None:
        raise LayerError(f"{where}: SIZE '{size}' is not L, HxW or DxHxW (positive integers)")
    window = parse_window(fields[4:], len(spatial), where)
    return Layer(name=name, mode=mode, channels=c[0], size=spatial, **window)


def parse_layers(text, source):
    """Every layer of a list; raises LayerError naming the source and line at the first error."""
    layers, number = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if fields:
            layers.append(parse_line(fields, f"{source}:{number}"))
    if not layers:
        raise LayerError(f"{source}:{number}: no layers in the list")
    return layers


def read_layers(path):
    try:
        with open(path, encoding="utf-8") as file:
            return parse_layers(file.read(), path)
    except OSError as error:
        raise LayerError(f"{path}: {error.strerror}") from error


def pooled_size(layer):
    """PyTorch's output size, to check that clpool ran the very same window."""
    if layer.window != "sliding":
        return layer.output_size
    out = []
    for n, k, s, p in zip(layer.size, layer.kernel, layer.stride, layer.padding):
        span = n + 2 * p - k
        o = (span + s - 1 if layer.ceil_mode else span) // s + 1
        if layer.ceil_mode and (o - 1) * s >= n + p:
            o -= 1  # the last window may not start in the right padding
        out.append(o)
    return tuple(out)


# ---------------------------------------------------------------- clpool's side

def pass_label(row):
    return "forward+indices" if row["pass"] == "forward" and row["indices"] != "none" else \
        row["pass"]


def memory_shape(layer, batch, spatial, layout):
    """A shape in memory order, as clpool's JSON writes it."""
    if layout == "channels_last":
        return [batch, *spatial, layer.channels]
    return [batch, layer.channels, *spatial]


def check_row(layer, row):
    """Raises ValueError when a clpool row is not this layer's configuration."""
    batch = row["input"][0]
    expected = {
        "mode": layer.mode, "spatial_rank": layer.rank, "window": layer.window,
        "input": memory_shape(layer, batch, layer.size, row["layout"]),
        "output": memory_shape(layer, batch, pooled_size(layer), row["layout"]),
        "kernel": list(layer.kernel) if layer.kernel else None,
        "stride": list(layer.stride) if layer.stride else None,
        "padding": list(layer.padding) if layer.padding else None,
        "ceil_mode": layer.ceil_mode if layer.window == "sliding" else None,
        "output_size": list(layer.output_size) if layer.output_size else None,
    }
    for key, value in expected.items():
        if row.get(key) != value:
            raise ValueError(f"clpool row {layer.name} {pass_label(row)} {row['layout']}: {key} "
                             f"is {row.get(key)}, the layer list says {value}")


def pair_rows(layers, rows):
    """(layer, row) in clpool's order. Rows come grouped by layer in list order, so duplicate
    names still pair up; every row must match its layer's parameters."""
    pairs, at = [], 0
    for layer in layers:
        seen = set()
        while at < len(rows) and rows[at]["name"] == layer.name:
            key = (pass_label(rows[at]), rows[at]["layout"])
            if key in seen:
                break  # the next layer of the same name
            seen.add(key)
            check_row(layer, rows[at])
            pairs.append((layer, rows[at]))
            at += 1
        if not seen:
            raise ValueError(f"clpool wrote no rows for layer {layer.name}")
    if at != len(rows):
        raise ValueError(f"clpool row {rows[at]['name']} is not in the layer list")
    return pairs


def pocl_threads():
    """The threads PoCL's CPU device runs: all cores unless its environment says otherwise."""
    for variable in ("POCL_CPU_MAX_CU_COUNT", "POCL_MAX_PTHREAD_COUNT"):
        if os.environ.get(variable, "").isdigit():
            return int(os.environ[variable])
    return os.cpu_count()


def clpool_command(args, json_path):
    command = [args.clpool, "bench", "--json", json_path]
    for flag, value in (("--layers", args.layers), ("--reps", args.reps),
                        ("--device", args.device)):
        if value is not None:
            command += [flag, str(value)]
    return command + (["--quick"] if args.quick else [])


def run_clpool(args, threads):
    """Runs clpool bench; returns its header line (device) and its JSON rows."""
    env = dict(os.environ)
    if args.threads is not None:  # PoCL 3 reads the first, PoCL 4+ the second
        env["POCL_MAX_PTHREAD_COUNT"] = env["POCL_CPU_MAX_CU_COUNT"] = str(threads)
    with tempfile.TemporaryDirectory() as folder:
        json_path = os.path.join(folder, "clpool.json")
        command = clpool_command(args, json_path)
        print("running:", " ".join(command), file=sys.stderr)
        try:
            done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
        except OSError as error:
            fail(1, f"cannot run {args.clpool}: {error.strerror} (build it, or pass --clpool)")
        if done.returncode != 0:
            fail(1, f"clpool bench failed with exit status {done.returncode}")
        with open(json_path, encoding="utf-8") as file:
            rows = json.load(file)
    return (done.stdout.splitlines() or ["clpool"])[0], rows


# ---------------------------------------------------------------- torch's side

def torch_device_name(torch, device):
    if device == "cpu":
        return f"the CPU, {torch.get_num_threads()} threads"
    return f"{torch.cuda.get_device_name()} (CUDA {torch.version.cuda})"


def import_torch():
    try:
        import torch
    except ImportError:
        fail(2, f"PyTorch is not importable from {sys.executable}: {INSTALL_HINT}")
    return torch


def make_input(torch, layer, batch, layout, device):
    """A float32 input in the row's layout on torch's device: torch's channels-last memory
    formats for 2D/3D; for 1D, which has none, an (N, L, C) tensor viewed as (N, C, L)."""
    if layout == "channels_first":
        return torch.randn(batch, layer.channels, *layer.size, device=device)
    if layer.rank == 1:
        return torch.randn(batch, layer.size[0], layer.channels, device=device).permute(0, 2, 1)
    form = torch.channels_last if layer.rank == 2 else torch.channels_last_3d
    x = torch.randn(batch, layer.channels, *layer.size, device=device)
    return x.contiguous(memory_format=form)


def forward_call(torch, layer, indices):
    """f(x) calling torch.nn.functional with the layer's exact parameters (count_include_pad
    stays at its default, True, as in clpool)."""
    F, r = torch.nn.functional, layer.rank
    if layer.window != "sliding":
        if layer.mode == "avg":
            return lambda x: getattr(F, f"adaptive_avg_pool{r}d")(x, layer.output_size)
        pool = getattr(F, f"adaptive_max_pool{r}d")
        return lambda x: pool(x, layer.output_size, return_indices=indices)
    args = (layer.kernel, layer.stride, layer.padding)
    if layer.mode == "avg":
        pool = getattr(F, f"avg_pool{r}d")
        return lambda x: pool(x, *args, ceil_mode=layer.ceil_mode, count_include_pad=True)
    pool = getattr(F, f"max_pool{r}d")
    return lambda x: pool(x, *args, ceil_mode=layer.ceil_mode, return_indices=indices)


def lifted(layer):
    """The rank and window ATen's backward kernels see: ATen pools 1D as 2D over an (N, C, 1, L)
    view, so autograd records a 2D node for a 1D layer."""
    if layer.rank != 1:
        return layer.rank, layer.kernel, layer.stride, layer.padding, layer.output_size
    pad = lambda v, fill: None if v is None else (fill, v[0])
    return (2, pad(layer.kernel, 1), pad(layer.stride, 1), pad(layer.padding, 0),
            pad(layer.output_size, 1))


def aten_backward(torch, layer, x, grad, indices):
    """A call of the ATen backward kernel that autograd runs for this forward."""
    ops = torch.ops.aten
    r, kernel, stride, padding, _ = lifted(layer)
    if layer.rank == 1:
        x, grad = x.unsqueeze(-2), grad.unsqueeze(-2)
        indices = None if indices is None else indices.unsqueeze(-2)
    if layer.window == "sliding" and layer.mode == "max":
        op = getattr(ops, f"max_pool{r}d_with_indices_backward")
        return lambda: op(grad, x, kernel, stride, padding, [1] * r, layer.ceil_mode, indices)
    if layer.window == "sliding":
        op = getattr(ops, f"avg_pool{r}d_backward")
        return lambda: op(grad, x, kernel, stride, padding, layer.ceil_mode, True, None)
    if layer.mode == "max":
        op = getattr(ops, f"adaptive_max_pool{r}d_backward")
        return lambda: op(grad, x, indices)
    op = getattr(ops, f"_adaptive_avg_pool{r}d_backward")
    return lambda: op(grad, x)


def backward_calls(torch, layer, x):
    """(aten call, autograd call) computing the same grad_in; the graph is built once and kept
    (retain_graph) so that only the backward is timed."""
    indices = None
    if layer.mode == "max":
        y, indices = forward_call(torch, layer, True)(x)
    else:
        y = forward_call(torch, layer, False)(x)
    grad = torch.randn_like(y)  # y's layout, as autograd would hand it over
    leaf = x.detach().requires_grad_(True)
    out = forward_call(torch, layer, False)(leaf)
    through_autograd = lambda: torch.autograd.grad(out, leaf, grad, retain_graph=True)[0]
    return aten_backward(torch, layer, x, grad, indices), through_autograd


def check_backward(torch, layer, aten_call, autograd_call):
    """The direct ATen call must give autograd's gradient, or it timed something else."""
    direct, reference = aten_call(), autograd_call()
    if layer.rank == 1:
        direct = direct.squeeze(-2)
    if not torch.allclose(direct, reference, rtol=1e-5, atol=1e-6):
        raise ValueError(f"{layer.name}: the ATen backward call disagrees with autograd")


def median_min_ms(torch, call, reps, device):
    """Median and minimum time of reps calls after the warm-up, and how they were taken; each
    call allocates its result as a user's call does. torch's CPU ops are synchronous, so the wall
    clock times them. On a CUDA device, the profiler's device time of each call (cuda_call_ms),
    as clpool's profiling events time its kernels; where the profiler gives none, CUDA events
    around each call, which also count torch's host time between launches."""
    for _ in range(WARMUP):
        call()
    if device == "cpu":
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times), min(times), "wall clock"
    times, how = cuda_call_ms(torch, call, reps)
    if times:
        return statistics.median(times), min(times), how
    times = []
    for _ in range(reps):
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        call()
        end.record()
        end.synchronize()
        times.append(begin.elapsed_time(end))
    return statistics.median(times), min(times), "CUDA events around each call"


REP_LABEL = "compare_pytorch_rep_"


def cuda_call_ms(torch, call, reps):
    """Each call's device time in ms from torch.profiler, with one labelled range per call, and
    how it was taken: the range's span on the GPU (first kernel's start to last kernel's end, as
    clpool times its two-kernel plans) where the profiler records one, else the kernels its ops
    launched, summed. ([], None) when the profiler fails or reports no device time."""
    profiler = torch.profiler
    try:
        with profiler.profile(activities=[profiler.ProfilerActivity.CPU,
                                          profiler.ProfilerActivity.CUDA]) as trace:
            for i in range(reps):
                with profiler.record_function(f"{REP_LABEL}{i}"):
                    call()
            torch.cuda.synchronize()
        spans, sums = {}, {}
        for event in trace.events():
            if not event.name.startswith(REP_LABEL):
                continue
            total = getattr(event, "device_time_total", None)
            if total is None:
                total = getattr(event, "cuda_time_total", 0)
            on_gpu = "CUDA" in str(getattr(event, "device_type", ""))
            (spans if on_gpu else sums)[event.name] = total / 1e3  # us -> ms
    except (RuntimeError, AttributeError) as error:
        print(f"compare_pytorch: torch.profiler failed ({error}); timing with CUDA events",
              file=sys.stderr)
        return [], None
    for how, per_call in (("CUDA span of each call (profiler)", spans),
                          ("CUDA kernels of each call, summed (profiler)", sums)):
        times = list(per_call.values())
        if len(times) == reps and all(t > 0 for t in times):
            return times, how
    return [], None


def in_layout(tensor, layout):
    """Whether tensor is dense in layout's memory order (a 1x1 plane counts as both)."""
    if layout == "channels_first":
        return tensor.is_contiguous()
    order = [0, *range(2, tensor.dim()), 1]
    return tensor.permute(*order).is_contiguous()


def torch_path(torch, call, x, layout):
    """One profiled call: its result and what torch did, the layout of the result and whether
    it copied a whole input-sized tensor (a layout conversion: no native kernel for this
    layout)."""
    with torch.profiler.profile(record_shapes=True) as trace:
        result = call()
    result = result[0] if isinstance(result, tuple) else result
    copies = any(event.name in ("aten::copy_", "aten::clone") and event.input_shapes and
                 math.prod(event.input_shapes[0] or [0]) == x.numel()
                 for event in trace.events())
    out = "cl" if layout == "channels_last" and in_layout(result, layout) else \
        "cf" if result.is_contiguous() else "strided"
    return result, out + (" +copy" if copies else "")


def check_shape(layer, row, x, result):
    """torch must produce clpool's shape, or the two timed different windows."""
    pooled = (*x.shape[:2], *pooled_size(layer))
    ok = result.numel() == x.numel() if row["pass"] == "backward" else result.shape == pooled
    if not ok:
        raise ValueError(f"{layer.name} {pass_label(row)} {row['layout']}: torch's result is "
                         f"{tuple(result.shape)}, clpool's {row['output']}")


def row_call(torch, layer, row, x, backward_mode):
    """The call that stands for a clpool row."""
    if row["pass"] == "forward":
        pool = forward_call(torch, layer, row["indices"] != "none")
        return lambda: pool(x)
    aten_call, autograd_call = backward_calls(torch, layer, x)
    check_backward(torch, layer, aten_call, autograd_call)
    return aten_call if backward_mode == "aten" else autograd_call


def time_rows(torch, pairs, reps, backward_mode, device):
    """Times every row; one input per layer and layout, shared by that layer's passes."""
    results, inputs, current = [], {}, None
    torch.manual_seed(0)
    for layer, row in pairs:
        if layer is not current:
            inputs, current = {}, layer  # drop the last layer's inputs: they can be large
        if row["layout"] not in inputs:
            inputs[row["layout"]] = make_input(torch, layer, row["input"][0], row["layout"],
                                                 device)
        x = inputs[row["layout"]]
        call = row_call(torch, layer, row, x, backward_mode)
        result, path = torch_path(torch, call, x, row["layout"])
        check_shape(layer, row, x, result)
        del result
        torch_ms, torch_min, timing = median_min_ms(torch, call, reps, device)
        results.append({**result_row(layer, row, torch_ms, torch_min, path),
                        "torch_timing": timing})
        print(f"torch {layer.name} {pass_label(row)} {row['layout']}: {torch_ms:.4f} ms",
              file=sys.stderr)
    return results


def result_row(layer, row, torch_ms, torch_min, path):
    """One compared row; the minima go to --json only, to tell noise from a slow kernel."""
    clpool_ms = row["kernel_ms_median"]
    return {"name": layer.name, "mode": layer.mode, "pass": row["pass"],
            "indices": row["indices"], "layout": row["layout"], "input": row["input"],
            "clpool_ms": clpool_ms, "torch_ms": torch_ms, "speedup": torch_ms / clpool_ms,
            "clpool_ms_min": row["kernel_ms_min"], "torch_ms_min": torch_min,
            "torch_path": path}


# ---------------------------------------------------------------- report

def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def summaries(results):
    """(label, geometric mean, rows): all rows, then each pass and layout."""
    order = ("forward", "forward+indices", "backward", "channels_first", "channels_last")
    groups = {}
    for r in results:
        groups.setdefault((pass_label(r), r["layout"]), []).append(r["speedup"])
    keys = sorted(groups, key=lambda key: (order.index(key[0]), order.index(key[1])))
    every = [r["speedup"] for r in results]
    faster = sum(s > 1 for s in every)
    return [(f"all rows (clpool faster on {faster})", geomean(every), len(every))] + \
        [(f"{label} {layout}", geomean(groups[label, layout]), len(groups[label, layout]))
         for label, layout in keys]


def header_lines(meta):
    return [meta["clpool"],
            f"torch {meta['torch']} on {meta['torch_device']} ({meta['torch_timing']}), "
            f"batch {meta['batch']}, float32, "
            f"median of {meta['reps']} runs after {WARMUP} warm-ups, backward timed as "
            f"{meta['backward']}; speedup = torch ms / clpool ms (above 1: clpool faster)"]


def print_table(meta, results):
    print("\n".join(header_lines(meta)) + "\n")
    print(f"{'layer':<20} {'pass':<16} {'layout':<15} {'clpool ms':>10} {'torch ms':>10} "
          f"{'speedup':>8}  torch path")
    for r in results:
        print(f"{r['name']:<20} {pass_label(r):<16} {r['layout']:<15} {r['clpool_ms']:>10.4f} "
              f"{r['torch_ms']:>10.4f} {r['speedup']:>7.2f}x  {r['torch_path']}")
    print("\ngeometric mean of torch/clpool:")
    for label, mean, count in summaries(results):
        print(f"  {label:<35} {mean:>6.2f}x over {count} rows")


def write_markdown(path, meta, results):
    lines = ["  \n".join(header_lines(meta)), "",
             "| layer | pass | layout | clpool ms | torch ms | torch/clpool | torch path |",
             "|---|---|---|--:|--:|--:|---|"]
    lines += [f"| {r['name']} | {pass_label(r)} | {r['layout']} | {r['clpool_ms']:.4f} | "
              f"{r['torch_ms']:.4f} | {r['speedup']:.2f}x | {r['torch_path']} |" for r in results]
    lines += ["", "Geometric mean of torch/clpool:", ""]
    lines += [f"- {label}: {mean:.2f}x over {count} rows"
              for label, mean, count in summaries(results)]
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def write_json(path, meta, results):
    speedups = [r["speedup"] for r in results]
    with open(path, "w", encoding="utf-8") as file:
        json.dump({**meta, "warmup": WARMUP, "geomean_speedup": geomean(speedups),
                   "rows": results}, file, indent=1)
        file.write("\n")


# ---------------------------------------------------------------- self-test

def expect_error(text, fragment):
    try:
        parse_layers(text, "t.txt")
    except LayerError as error:
        assert fragment in str(error), f"'{fragment}' not in '{error}'"
        return
    raise AssertionError(f"no error for {text!r}")


def self_test():
    """Checks the parser on the built-in list and on bad lines, and the row pairing; no torch."""
    layers = {layer.name: layer for layer in read_layers(STANDARD_LAYERS)}
    stem, audio, video = layers["resnet_stem"], layers["audio_pool"], layers["video_pool"]
    assert (stem.mode, stem.channels, stem.size, stem.kernel) == ("max", 64, (112, 112), (3, 3))
    assert pooled_size(stem) == (56, 56) and pooled_size(layers["googlenet_pool4"]) == (7, 7)
    assert pooled_size(layers["squeezenet_pool"]) == (55, 55) and layers["squeezenet_pool"].ceil_mode
    assert pooled_size(audio) == (4000,) and pooled_size(video) == (8, 28, 28)
    assert layers["resnet50_gap"].window == "global" and pooled_size(layers["resnet50_gap"]) == (1, 1)
    assert lifted(audio)[:4] == (2, (1, 4), (1, 4), (0, 0))
    one = parse_layers("a avg 3 9x8 adaptive 4,2\nb max 2 5x6x7 3,1,2 2 0,1,0 ceil # x\n", "t")
    assert one[0].output_size == (4, 2) and one[1].padding == (0, 1, 0) and one[1].ceil_mode
    for text, fragment in (("a max 1 8 2 2 0 ceil x", "t.txt:1: expected"),
                           ("\n\na maxx 1 8 2 2 0", "t.txt:3: mode 'maxx'"),
                           ("a max 0 8 2 2 0", "C '0'"), ("a max 1 8,8 2 2 0", "SIZE '8,8'"),
                           ("a max 1 8x8 2,2,2 2 0", "KERNEL '2,2,2'"),
                           ("a max 1 8 2 0 0", "STRIDE '0'"), ("a max 1 8 2 2 -1", "PADDING '-1'"),
                           ("a max 1 8 2 2 0 floor", "unexpected 'floor'"),
                           ("a avg 1 8x8 adaptive", "expected"), ("a avg 1 8 global 1", "expected"),
                           ("a avg 1 8x8 adaptive 1,2,3", "adaptive output size"),
                           ("# nothing\n", "t.txt:1: no layers")):
        expect_error(text, fragment)
    check_pairing(stem)
    print("self-test: layer parser and row pairing pass")


def check_pairing(layer):
    row = {"name": layer.name, "mode": "max", "pass": "forward", "indices": "none",
           "layout": "channels_last", "spatial_rank": 2, "window": "sliding",
           "input": [8, 112, 112, 64], "output": [8, 56, 56, 64], "kernel": [3, 3],
           "stride": [2, 2], "padding": [1, 1], "ceil_mode": False, "output_size": None}
    assert len(pair_rows([layer], [row])) == 1
    try:
        pair_rows([layer], [{**row, "output": [8, 57, 57, 64]}])
    except ValueError as error:
        assert "output" in str(error)
    else:
        raise AssertionError("a row with another output shape was paired")


# ---------------------------------------------------------------- main

def fail(status, message):
    print(f"compare_pytorch: {message}", file=sys.stderr)
    sys.exit(status)


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="batch 1 and 20 runs, as clpool's --quick")
    p.add_argument("--layers", metavar="FILE", help="layer list (default: bench/standard_layers.txt)")
    p.add_argument("--reps", type=positive, help="timed runs per row, both sides (default: "
                   "clpool's, 50 or 20 with --quick; clpool needs at least 20)")
    p.add_argument("--device", metavar="SPEC", help="clpool's device, passed to clpool bench")
    p.add_argument("--clpool", default=DEFAULT_CLPOOL, metavar="PATH",
                   help=f"the clpool binary (default: {DEFAULT_CLPOOL})")
    p.add_argument("--clpool-json", metavar="FILE",
                   help="use rows written by `clpool bench --json` instead of running clpool")
    p.add_argument("--threads", type=positive, help="torch's threads, also given to PoCL "
                   "(default: PoCL's, all cores unless POCL_*_COUNT is set)")
    p.add_argument("--torch-device", choices=("cpu", "cuda"), default="cpu",
                   help="time torch on the CPU (default; --threads threads) or on its current "
                   "CUDA device, to compare clpool on an NVIDIA GPU with torch on the same GPU")
    p.add_argument("--backward", choices=("aten", "autograd"), default="aten",
                   help="time the ATen backward kernel (default) or torch.autograd.grad")
    p.add_argument("--json", metavar="FILE", help="also write the rows and the summary as JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    p.add_argument("--self-test", action="store_true", help="check the parser (no torch needed)")
    return p.parse_args(argv)


def clpool_rows(args, threads):
    if args.clpool_json is None:
        return run_clpool(args, threads)
    try:
        with open(args.clpool_json, encoding="utf-8") as file:
            return f"clpool rows from {args.clpool_json}", json.load(file)
    except (OSError, ValueError) as error:
        fail(2, f"{args.clpool_json}: {error}")


def main(argv):
    args = parse_args(argv)
    if args.self_test:
        self_test()
        return 0
    try:
        layers = read_layers(args.layers or STANDARD_LAYERS)
    except LayerError as error:
        fail(2, str(error))
    torch = import_torch()  # before the long clpool run, so a missing torch fails at once
    if args.torch_device == "cuda" and not torch.cuda.is_available():
        fail(2, f"--torch-device cuda: torch {torch.__version__} sees no CUDA device")
    threads = args.threads or pocl_threads()
    header, rows = clpool_rows(args, threads)
    try:
        pairs = pair_rows(layers, rows)
    except (KeyError, TypeError, IndexError) as error:
        fail(1, f"clpool's rows are not in the `clpool bench --json` form: {error!r}")
    except ValueError as error:
        fail(1, str(error))
    if not all(row["ok"] for row in rows):
        fail(1, "clpool bench reported a verification mismatch")
    torch.set_num_threads(threads)
    reps = args.reps or (20 if args.quick else 50)
    try:
        results = time_rows(torch, pairs, reps, args.backward, args.torch_device)
    except ValueError as error:
        fail(1, str(error))
    meta = {"clpool": header, "torch": torch.__version__, "threads": torch.get_num_threads(),
            "torch_device": torch_device_name(torch, args.torch_device),
            "torch_timing": ", ".join(sorted({r["torch_timing"] for r in results})),
            "batch": rows[0]["input"][0], "reps": reps, "backward": args.backward}
    print_table(meta, results)
    if args.markdown:
        write_markdown(args.markdown, meta, results)
    if args.json:
        write_json(args.json, meta, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
