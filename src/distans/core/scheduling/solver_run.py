"""Running CP-SAT with the caller's limits, and turning its status into our answer."""

import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from distans.core.errors import Infeasible


@dataclass(frozen=True, slots=True)
class SolverLimits:
    """How hard to search: seconds, parallel workers (really passed to CP-SAT), gap."""

    time_limit_seconds: float = 10.0
    num_search_workers: int = 2
    relative_gap: float = 0.0
    random_seed: int = 0


@dataclass(frozen=True, slots=True)
class SolveReport:
    """What CP-SAT said: status name, objective, best bound, seconds, workers used."""

    status: str
    objective: float
    best_bound: float
    solve_seconds: float
    num_search_workers: int

    @property
    def optimal(self) -> bool:
        """True when CP-SAT proved the solution optimal (within the requested gap)."""
        return self.status == "OPTIMAL"

    @property
    def gap(self) -> float:
        """Relative distance between objective and bound (0 when proven optimal)."""
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.best_bound) / abs(self.objective)


def solve_from_hint(
    model: cp_model.CpModel, limits: SolverLimits, what: str, first_seconds: float
) -> tuple[cp_model.CpSolver, SolveReport]:
    """Complete the model's (partial) hint with the hinted variables fixed, then solve
    again from that complete solution: CP-SAT starts improving at once instead of
    searching for a first solution. The completed hint is kept as the answer when the
    second search finds nothing better in time (a busy machine), so a model whose hint
    completes always yields a solution. Falls back to a plain solve if completion fails.
    """
    first = cp_model.CpSolver()
    first.parameters.fix_variables_to_their_hinted_value = True
    first.parameters.max_time_in_seconds = first_seconds
    first.parameters.num_workers = limits.num_search_workers
    started = time.perf_counter()
    status = first.solve(model)
    remaining = max(1.0, limits.time_limit_seconds - (time.perf_counter() - started))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solve(model, replace(limits, time_limit_seconds=remaining), what)
    model.clear_hints()  # type: ignore[no-untyped-call]  # untyped in ortools
    for index in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(index)
        model.add_hint(var, first.value(var))
    try:
        second, report = solve(model, replace(limits, time_limit_seconds=remaining), what)
    except Infeasible:
        second = None
    if second is not None and report.objective <= first.objective_value:
        return second, report
    return first, SolveReport(
        status="FEASIBLE",
        objective=first.objective_value,
        best_bound=second.best_objective_bound if second is not None else 0.0,
        solve_seconds=time.perf_counter() - started,
        num_search_workers=limits.num_search_workers,
    )


def solve(
    model: cp_model.CpModel, limits: SolverLimits, what: str
) -> tuple[cp_model.CpSolver, SolveReport]:
    """Solve ``model``; raise :class:`Infeasible` (one line, naming ``what``) without a solution."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limits.time_limit_seconds
    solver.parameters.num_workers = limits.num_search_workers
    solver.parameters.relative_gap_limit = limits.relative_gap
    solver.parameters.random_seed = limits.random_seed
    started = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - started
    if status == cp_model.INFEASIBLE:
        raise Infeasible(f"no {what} meets all constraints (proven infeasible)")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise Infeasible(
            f"no {what} found within {limits.time_limit_seconds:g} s "
            f"(solver status {solver.status_name(status)}); relax constraints or allow more time"
        )
    report = SolveReport(
        status=solver.status_name(status),
        objective=solver.objective_value,
        best_bound=solver.best_objective_bound,
        solve_seconds=seconds,
        num_search_workers=solver.parameters.num_workers,
    )
    return solver, report
