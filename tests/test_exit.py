"""How the ``rossim`` program exits (:func:`rossim.cli.console`): its status, every line written,
the ``atexit`` functions run and threads joined as Python's own exit does, without Python's
teardown of every module."""

import subprocess
import sys
import textwrap
from pathlib import Path

HL = Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml"


def program(tmp_path, before: str, *args: str) -> subprocess.CompletedProcess:
    """``rossim ARGS`` through :func:`rossim.cli.console`, after ``before`` ran in the same process."""
    code = textwrap.dedent(before) + f"\nimport sys\nfrom rossim import cli\nsys.argv = ['rossim', *{list(args)!r}]\ncli.console()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_status_and_output_are_python_exits(tmp_path):
    ok = program(tmp_path, "", "validate", str(HL))
    assert ok.returncode == 0 and ok.stdout.strip(), ok.stderr
    bad = program(tmp_path, "", "validate", str(tmp_path / "missing.toml"))
    assert bad.returncode == 2 and "missing.toml" in bad.stderr and "Traceback" not in bad.stderr
    # the output through a pipe, every line of it (the streams are flushed before os._exit):
    # the same bytes as the same command under Python's own exit
    args = ["validate", str(HL), "--cite", "orbit.altitude_km"]
    fast = program(tmp_path, "", *args)
    plain = subprocess.run([sys.executable, "-c", f"import sys\nfrom rossim import cli\nsys.exit(cli.main({args!r}))"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert fast.returncode == plain.returncode == 0 and fast.stdout == plain.stdout
    assert "source: https://" in fast.stdout

def test_atexit_functions_run_and_threads_are_joined(tmp_path):
    """What Python's exit does first still happens: atexit functions (logging's flush among
    them) run, and a thread that is not a daemon finishes before the process ends."""
    before = f"""
        import atexit, logging, threading, time
        atexit.register(lambda: open({str(tmp_path / 'atexit.txt')!r}, 'w').write('ran'))
        log = logging.getLogger('t'); log.addHandler(logging.FileHandler({str(tmp_path / 'log.txt')!r}))
        log.warning('kept')
        def late():
            time.sleep(0.3)
            open({str(tmp_path / 'thread.txt')!r}, 'w').write('done')
        threading.Thread(target=late).start()
    """
    r = program(tmp_path, before, "validate", str(HL))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "log.txt").read_text() == "kept\n"
    assert (tmp_path / "thread.txt").read_text() == "done"


def test_the_interpreters_teardown_is_skipped(tmp_path):
    """Objects still alive at the end are not taken apart (their ``__del__`` does not run), as
    with os._exit; under Python's own exit they would be."""
    before = f"""
        class Kept:
            def __del__(self, open=open):  # (builtins may be gone at teardown: bound here)
                with open({str(tmp_path / 'teardown.txt')!r}, 'w') as f:
                    f.write('torn down')
        kept = Kept()
    """
    r = program(tmp_path, before, "validate", str(HL))
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "teardown.txt").exists()
    plain = subprocess.run([sys.executable, "-c", textwrap.dedent(before)], cwd=tmp_path, timeout=60)
    assert plain.returncode == 0 and (tmp_path / "teardown.txt").exists()  # the check can fail


def test_a_ctrl_c_inside_a_finalizer_is_not_lost(tmp_path):
    """A Ctrl-C that lands in a finalizer or a weakref callback (in a run: matplotlib's, while a
    figure is drawn) would be printed by Python as "Exception ignored ... Traceback" and lost; the
    program delivers it again: "interrupted", status 130, no traceback."""
    before = """
        from rossim import cli as _cli
        class Struck:
            def __del__(self):
                raise KeyboardInterrupt  # as a Ctrl-C landing in here
        validate = _cli.cmd_validate
        def struck_validate(args):
            Struck()  # finalized at once
            return validate(args)
        _cli.cmd_validate = struck_validate
    """
    r = program(tmp_path, before, "validate", str(HL))
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert "interrupted" in r.stderr and "Traceback" not in r.stderr and "Exception ignored" not in r.stderr
    assert not r.stdout  # stopped before the command's work


def test_other_unraisable_exceptions_are_reported_as_python_reports_them(tmp_path):
    before = """
        class Broken:
            def __del__(self):
                raise ValueError("in a finalizer")
        Broken()
    """
    r = program(tmp_path, before, "validate", str(HL))
    assert r.returncode == 0 and "Exception ignored" in r.stderr and "ValueError: in a finalizer" in r.stderr
