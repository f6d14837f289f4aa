"""`python tests/crash_launch.py K ARGS...`: run `python -m flows.enrich ARGS...` and SIGKILL
itself just before its (K+1)-th catalog rename, i.e. with exactly K catalog files replaced
and the other new contents still in temporary files: a kill -9 inside the write phase, at a
chosen point rather than at a lucky moment. Only the process's own os.replace is wrapped;
the product is not changed."""

import os
import runpy
import signal
import sys

TEMP_MARK = ".enrich-tmp-"  # enrich.catalog.TEMP_MARK (not imported: nothing of the product before run_module)


def main() -> None:
    kill_before = int(sys.argv[1])
    real_replace = os.replace
    renames = 0

    def replace(src, dst, *args, **kwargs):
        nonlocal renames
        if TEMP_MARK in os.fspath(src):
            if renames == kill_before:
                os.kill(os.getpid(), signal.SIGKILL)
            renames += 1
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace
    sys.argv = ["flows.enrich", *sys.argv[2:]]
    runpy.run_module("flows.enrich", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
