"""The instructor's grader: grade untrusted notebooks so that no student code decides a score.

The student runtime (the rest of :mod:`cs231n_utils`) never imports this package. One
submitted notebook is one job, a JSON spec in and a JSON result out; the stages, in the order
a class goes through them, each in its own module::

    cs231n-kit grade <assignment>                                  (cli.cmd_grade)
      batch.grade_class ── collect: find submitted/<student>/<assignment>/, stage scratch copies
        │                  records.JobSpec per notebook, --workers at once
        ├─> job.launch ──> python -m cs231n_utils.grader.job SPEC.json     (a fresh process each)
        │       job.run_job
        │         rebuild   the notebook from solutions/, only the answer cells from the
        │                   submission (edits, deletions, duplicates become records.Flag)
        │         static    sources of the answer cells' functions, for loop and source checks
        │         execute   answer cells ──> client.SandboxClient ══ protocol ══> worker
        │                       (sandbox: bubblewrap, limits)   python -m cs231n_utils.grader.worker
        │                   test cells here, in the clean process: the student's functions
        │                   are proxies that return plain arrays; scored by nbgrader's rule
        │         => executed notebook + records.JobResult (JSON)
        ├─> gradebook  nbgrader autograde of the executed notebooks (no execution), review marks
        └─> report     grading/<assignment>/report.{md,json}: scores, failed requirements, flags

Modules: :mod:`.records` (JobSpec, JobResult, Flag, StudentReport), :mod:`.collect`,
:mod:`.job`, :mod:`.rebuild`, :mod:`.static`, :mod:`.execute`, :mod:`.client`,
:mod:`.protocol`, :mod:`.sandbox` (launcher), :mod:`.worker`, :mod:`.gradebook`,
:mod:`.report`, :mod:`.batch`.
"""
