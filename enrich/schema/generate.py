"""Regenerate paper_pb2.py (and its type stub paper_pb2.pyi, for mypy) from paper.proto with
grpcio-tools' bundled protoc (`pip install -e '.[dev]'`)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def compile_proto(out_dir: Path, descriptor_set: Path | None = None) -> None:
    """Run protoc on paper.proto, writing paper_pb2.py, paper_pb2.pyi (and a descriptor set) to out_dir."""
    from grpc_tools import protoc

    args = ["protoc", f"-I{HERE}", f"--python_out={out_dir}", f"--pyi_out={out_dir}"]
    if descriptor_set is not None:
        args.append(f"--descriptor_set_out={descriptor_set}")
    args.append(str(HERE / "paper.proto"))
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed on paper.proto")


if __name__ == "__main__":
    compile_proto(HERE)
    sys.exit(0)
