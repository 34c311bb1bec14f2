"""Long-lived worker processes that grade submissions in parallel and survive each other's failures.

Each worker is forked once, builds one ``StudentGrader`` (nbgrader and
friends are imported before the fork, so no worker pays nbgrader's start-up
again), and takes submissions from a shared queue. A worker holds at most two
submissions: the one it grades and the next one, whose kernel it launches
ahead of need. It reports ``hold`` / ``start`` / ``done`` messages; the main
process

* merges each finished result into the course gradebook (only it writes
  there);
* notices a worker that died (the OS killed it, a bug): the submissions it
  held go back on the queue, a submission that kills a worker twice is
  recorded as not graded, and a new worker takes the dead one's place;
* on SIGINT/SIGTERM stops the workers, whose kernels are killed on the way
  out; finished results stay on disk, so the next run resumes.

Workers ignore SIGINT (Ctrl-C reaches the whole process group): only the main
process decides to stop.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import traceback
from collections import deque
from queue import Empty

_SETUP = None  # (callable index -> StudentGrader); set by the main process before forking


class Stopped(Exception):
    """The main process was asked to stop (SIGINT/SIGTERM) before the class was graded."""


def _worker(index: int, tasks, messages) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    grader = None

    def stop(signum, frame):
        # Leave at once: an exception raised here could land in a destructor and be swallowed. Results
        # are written atomically, so none is half-written; the kernels go down with us (and are killed).
        try:
            if grader is not None:
                grader.kill_kernels()
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        grader = _SETUP(index)
        held = deque()
        ending = False
        while True:
            if not held:
                if ending:
                    break
                item = tasks.get()
                if item is None:
                    break
                held.append(item)
                messages.put(("hold", index, item.key))
            if len(held) < 2 and not ending:
                try:
                    item = tasks.get_nowait()
                except Empty:
                    item = False
                if item is None:
                    ending = True
                elif item:
                    held.append(item)
                    messages.put(("hold", index, item.key))
            current = held.popleft()
            upcoming = held[0] if held else None
            messages.put(("start", index, current.key))
            try:
                result = grader.grade(current, upcoming)
                messages.put(("done", index, current.key, result["status"]))
            except Exception:
                messages.put(("crash", index, current.key, traceback.format_exc()))
    except BaseException:
        messages.put(("crash", index, None, traceback.format_exc()))
    finally:
        if grader is not None:
            try:
                grader.close()
            except Exception:
                pass
        messages.put(("exit", index))


class Pool:
    """``Pool(workers, setup).run(submissions, on_done, on_failure)``: grade everything, in parallel."""

    def __init__(self, workers: int, setup):
        self.workers = workers
        self.setup = setup
        self.ctx = mp.get_context("fork")
        self.procs: dict[int, mp.Process] = {}

    def _spawn(self, index, tasks, messages):
        global _SETUP
        _SETUP = self.setup
        proc = self.ctx.Process(target=_worker, args=(index, tasks, messages), name=f"lrlab-grader-{index}")
        proc.start()
        self.procs[index] = proc

    def run(self, submissions, on_done, on_crash, log=lambda msg: None, should_stop=lambda: False) -> None:
        tasks, messages = self.ctx.Queue(), self.ctx.Queue()
        by_key = {s.key: s for s in submissions}
        for sub in submissions:
            tasks.put(sub)
        for _ in range(self.workers):
            tasks.put(None)
        held = {i: set() for i in range(self.workers)}
        started: dict[int, str | None] = {}
        attempts: dict[str, int] = {}
        pending = set(by_key)
        exited = set()
        last_crash = None
        for i in range(self.workers):
            self._spawn(i, tasks, messages)
        interrupted = True
        try:
            while pending:
                if should_stop():
                    raise Stopped()
                try:
                    msg = messages.get(timeout=0.5)
                except Empty:
                    msg = None
                if msg is not None:
                    kind, index = msg[0], msg[1]
                    if kind == "hold":
                        held[index].add(msg[2])
                    elif kind == "start":
                        started[index] = msg[2]
                    elif kind == "done":
                        held[index].discard(msg[2])
                        started[index] = None
                        pending.discard(msg[2])
                        on_done(by_key[msg[2]], msg[3])
                    elif kind == "crash":
                        key = msg[2]
                        log(f"worker {index} failed on {key}:\n{msg[3]}")
                        last_crash = msg[3].strip().splitlines()[-1][:300]
                        if key is not None:
                            held[index].discard(key)
                            started[index] = None
                            pending.discard(key)
                            on_crash(by_key[key], msg[3].strip().splitlines()[-1][:300])
                    elif kind == "exit":
                        exited.add(index)
                if pending and msg is None and not any(p.is_alive() for p in self.procs.values()) \
                        and all(not held[i] for i in held) and exited == set(self.procs):
                    why = last_crash or "the grader's workers stopped"
                    for key in sorted(pending):
                        on_crash(by_key[key], f"no grader worker could take it ({why})")
                    pending.clear()
                    break
                for index, proc in list(self.procs.items()):
                    if proc.is_alive() or index in exited and not held[index]:
                        continue
                    proc.join(0.1)
                    lost = held[index] & pending
                    if not lost:  # it ran out of work and left
                        exited.add(index)
                        continue
                    log(f"worker {index} stopped unexpectedly (exit code {proc.exitcode})")
                    current = started.get(index)
                    for key in lost:
                        if key == current:
                            attempts[key] = attempts.get(key, 0) + 1
                            if attempts[key] >= 2:
                                pending.discard(key)
                                on_crash(by_key[key], "the grader's worker process died twice while grading it")
                                continue
                        tasks.put(by_key[key])
                    held[index] = set()
                    started[index] = None
                    exited.discard(index)
                    tasks.put(None)
                    self._spawn(index, tasks, messages)
            interrupted = False
        finally:
            self.stop(graceful=not interrupted)

    def stop(self, timeout: float = 15.0, graceful: bool = False) -> None:
        if graceful:  # every worker has its end-of-work marker: let them finish on their own
            for proc in self.procs.values():
                proc.join(timeout)
        for proc in self.procs.values():
            if proc.is_alive():
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except OSError:
                    pass
        for proc in self.procs.values():
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        self.procs.clear()
