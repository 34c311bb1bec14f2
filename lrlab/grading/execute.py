"""nbgrader's ``Execute`` preprocessor, hardened: time limits, output caps, the guard, and why it failed.

``GuardedExecute`` is used in place of nbgrader's ``Execute`` in the
autograde pipeline (everything else is nbgrader's own). For each notebook it

* runs on a kernel launched ahead of time by ``kernels.KernelFactory``
  (``context.kernel``), confined by the sandbox;
* gives each cell ``cell_timeout`` seconds (nbgrader then interrupts it and
  records a ``CellTimeoutError`` in that cell, as usual) and the whole notebook
  ``notebook_timeout`` seconds; a kernel that does not answer within
  ``interrupt_grace`` seconds after an interrupt (a loop that ignores SIGINT)
  is given up on;
* keeps at most ``output_mb`` of output per cell (printing 100 MB must not
  exhaust the grader);
* calls ``guard`` in the kernel around the lesson's cells (see ``guard``);
* records what happened in ``context.events`` and, when the notebook could
  not be executed to the end, ``context.failure`` (kernel died, time limit,
  unresponsive) before re-raising, so that the caller can say *why*.
"""
from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from queue import Empty

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

GUARD = "__import__('sys').modules['lrlab.grading.guard']"


class GradingStopped(Exception):
    """The notebook could not be executed to the end; ``reason`` says why in words."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


@dataclass
class ExecutionContext:
    """Everything one notebook's execution needs from the worker, and what it reports back."""

    kernel: object  # kernels.Kernel, already launched
    plan: object  # lesson.GuardPlan
    cell_timeout: float
    notebook_timeout: float
    output_bytes: int
    interrupt_grace: float = 3.0
    events: list = field(default_factory=list)  # (kind, grade_id or cell index, detail)
    failure: GradingStopped | None = None
    started: float = 0.0


class GuardedExecute(Execute):
    """nbgrader's Execute on a pre-launched, confined kernel, with limits and the guard."""

    context: ExecutionContext | None = None  # set by the worker for each notebook

    def preprocess(self, nb, resources, km=None):
        ctx = self.context
        ctx.started = time.monotonic()
        self.timeout = max(1, int(round(ctx.cell_timeout)))
        self.timeout_func = self._cell_timeout
        self.startup_timeout = 60
        self._timed_out = None
        self._snapshotted = False
        self._current = None
        try:
            return super().preprocess(nb, resources, km=ctx.kernel.km)
        except GradingStopped as err:
            ctx.failure = err
            raise
        except DeadKernelError:
            status = ctx.kernel.exit_status() or "stopped responding"
            if getattr(self, "_current", None) is None:
                ctx.failure = GradingStopped("startup", f"the kernel did not start ({status})")
            else:
                ctx.failure = GradingStopped("kernel died", f"the kernel died ({status}) in cell {self._where()}")
            raise ctx.failure from None
        except Exception as err:
            kind = "startup" if getattr(self, "_current", None) is None else "error"
            status = ctx.kernel.exit_status()
            detail = f"{type(err).__name__}: {err}"[:300] + (f" (kernel {status})" if status else "")
            if kind == "startup":
                detail += _log_tail(ctx.kernel.folder / "kernel.log")
            ctx.failure = GradingStopped(kind, ("the kernel did not start: " if kind == "startup" else
                                                f"grading stopped in cell {self._where()}: ") + detail)
            raise
        finally:
            if getattr(self, "kc", None) is not None:
                try:
                    self.kc.stop_channels()
                except Exception:
                    pass
                self.kc = None

    # ----------------------------------------------------------------------------- time

    def _remaining(self) -> float:
        return self.context.notebook_timeout - (time.monotonic() - self.context.started)

    def _cell_timeout(self, cell) -> int:
        return max(1, int(min(self.context.cell_timeout, self._remaining()) + 0.999))

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = timeout
        return await super()._async_handle_timeout(timeout, cell)

    def _where(self) -> str:
        index, gid = getattr(self, "_current", None) or (None, None)
        return gid or (f"#{index + 1}" if index is not None else "?")

    # ----------------------------------------------------------------------------- cells

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        ctx, plan = self.context, self.context.plan
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        trusted = plan.is_trusted(gid, cell.source)
        self._current = (cell_index, gid)
        if self._remaining() <= 0:
            raise GradingStopped("time limit", f"the notebook ran past its {ctx.notebook_timeout:g} s "
                                               f"limit before cell {self._where()}")
        if not trusted and not self._snapshotted:
            await self._guard(f"{GUARD}.snapshot()")
            self._snapshotted = True
        is_test = trusted and gid in plan.tests
        if is_test:
            if not self._snapshotted:
                await self._guard(f"{GUARD}.snapshot()")
                self._snapshotted = True
            names = sorted(plan.tests[gid]["uses"])
            found = await self._guard(f"{GUARD}.before_test({plan.checks_source!r}, "
                                      f"{plan.checks_filename!r}, {names!r})")
            for what in found.get("patched", []):
                ctx.events.append(("patched", gid, what))
            for name in found.get("rebound", []):
                ctx.events.append(("rebound", gid, name))
        self._timed_out = None
        self._output_size = 0
        self._truncated = False
        try:
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except CellTimeoutError:
            if self._timed_out is None:
                raise
            if self._remaining() <= 0.5:
                raise GradingStopped("time limit", f"the notebook ran past its {ctx.notebook_timeout:g} s "
                                                   f"limit in cell {self._where()}") from None
            raise GradingStopped("unresponsive", f"cell {self._where()} ran past {self._timed_out} s "
                                                 "and ignored the interrupt") from None
        if self._truncated:
            ctx.events.append(("truncated", gid or cell_index, ctx.output_bytes))
        if any(o.get("output_type") == "error" and o.get("ename") == "MemoryError" for o in cell.outputs):
            ctx.events.append(("memory", gid or cell_index, "MemoryError"))
        if self._timed_out is not None:
            ctx.events.append(("timeout", gid or cell_index, self._timed_out))
            alive = await self._responsive()
            if self._remaining() <= 0.5:
                raise GradingStopped("time limit", f"the notebook ran past its {ctx.notebook_timeout:g} s "
                                                   f"limit in cell {self._where()}")
            if not alive:
                raise GradingStopped("unresponsive", f"cell {self._where()} ran past {self._timed_out} s "
                                                     "and ignored the interrupt")
        if is_test:
            found = await self._guard(f"{GUARD}.after_test({sorted(plan.tests[gid]['binds'])!r})")
            for what in found.get("patched", []):
                ctx.events.append(("patched-during-test", gid, what))
        if trusted and plan.record.get(gid):
            await self._guard(f"{GUARD}.record({sorted(plan.record[gid])!r})")
        return result

    # nbclient binds its synchronous wrapper to its own coroutine: re-bind it to ours
    execute_cell = run_sync(async_execute_cell)

    async def _responsive(self) -> bool:
        """After an interrupt: does the kernel answer within the grace period?"""
        try:
            await self._guard("None", timeout=self.context.interrupt_grace)
            return True
        except GradingStopped:
            return False

    async def _guard(self, expression: str, timeout: float = 10.0) -> dict:
        """Evaluate ``expression`` silently in the kernel; returns its value (a dict) or {}."""
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"r": expression})
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GradingStopped("unresponsive", f"the kernel did not answer the grader after cell "
                                                     f"{self._where()}")
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=min(left, 1.0))
            except Empty:
                if not await self.kc.is_alive():
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            value = content.get("user_expressions", {}).get("r", {})
            if value.get("status") != "ok":
                self.context.events.append(("guard-error", self._where(), str(value.get("evalue", ""))[:200]))
                return {}
            text = value.get("data", {}).get("text/plain", "None")
            try:
                result = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return {}
            return result if isinstance(result, dict) else {}

    # ----------------------------------------------------------------------------- outputs

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg["msg_type"] == "error":  # an exception can carry a message of any size too
            content["evalue"] = str(content.get("evalue", ""))[:10_000]
            content["traceback"] = [str(line)[:10_000] for line in content.get("traceback", [])[:200]]
        size = len(content.get("text", "")) if msg["msg_type"] == "stream" else \
            sum(len(str(v)) for v in content.get("data", {}).values())
        self._output_size = getattr(self, "_output_size", 0) + size
        if self._output_size > self.context.output_bytes and msg["msg_type"] in (
                "stream", "display_data", "execute_result", "update_display_data"):
            if not getattr(self, "_truncated", False):
                self._truncated = True
                outs.append(NotebookNode(output_type="stream", name="stdout",
                                         text=f"\n[output cut by the grader after "
                                              f"{self.context.output_bytes / 1e6:g} MB]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _log_tail(path) -> str:
    """The kernel's last words, for a kernel that never started."""
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f"; kernel log: {lines[-1][:300]}" if lines else ""

