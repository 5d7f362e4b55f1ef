#!/usr/bin/python3
"""Runs the ONNX project's own checker on exported models: the full check and strict shape inference.

Usage: /usr/bin/python3 build/onnx-check.py MODEL.onnx [MODEL.onnx ...]
Needs Debian's python3-onnx (1.12; apt-get install python3-onnx). For each file it runs
  onnx.checker.check_model(model, full_check=True)
  onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
and checks that the graph's inputs and outputs declare every dim (a symbolic batch dim counts) and that the inferred
output shape agrees with the declared one. Prints one line per file ("ok PATH: input [N, 3, 32, 32] -> output
[N, 10], 12 metadata_props"), or the checker's message; exits 1 if any file fails, 2 when onnx is missing.
"""
import sys

try:
    import onnx
    import onnx.checker
    import onnx.shape_inference
except ImportError as e:
    print(f"python3-onnx is missing ({e}); install it with 'apt-get install python3-onnx'", file=sys.stderr)
    sys.exit(2)


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    if not value_info.type.tensor_type.HasField("shape"):
        return None
    return [d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None) for d in shape.dim]


def show(d):
    return "[" + ", ".join("?" if x is None else str(x) for x in d) + "]"


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    for kind, values in (("input", model.graph.input), ("output", model.graph.output)):
        for v in values:
            d = dims(v)
            if d is None or any(x is None or x == "" for x in d):
                raise ValueError(f"graph {kind} '{v.name}' does not declare its full shape ({'none' if d is None else show(d)})")
    for declared, got in zip(model.graph.output, inferred.graph.output):
        a, b = dims(declared), dims(got)
        if b is not None and len(a) != len(b):
            raise ValueError(f"output '{declared.name}': declared {show(a)}, inferred {show(b)}")
        for x, y in zip(a, b or []):
            if isinstance(x, int) and isinstance(y, int) and x != y:
                raise ValueError(f"output '{declared.name}': declared {show(a)}, inferred {show(b)}")
    return (f"input {show(dims(model.graph.input[0]))} -> output {show(dims(model.graph.output[0]))}, "
            f"{len(model.metadata_props)} metadata_props")


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            print(f"ok {path}: {check(path)}")
        except Exception as e:  # the checker's own exceptions carry its message
            failed += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
